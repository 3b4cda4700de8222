import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { KeySource, type IssuerKeyStatus, type KeySourceStatus } from './key-source.js';

/** One issuer's keys, and how /health names it (its host). */
export interface IssuerKeys {
  readonly label: string;
  readonly source: KeySource;
}

/**
 * Several issuers (docs/protocol.md §16): each one's own key source, side by side. The
 * verifier of each issuer reads its own source only; this is what the module exports as
 * KeySource, for health (each issuer's state, by host) and for key removal (told when
 * any issuer's keys change). Ready while at least one issuer can verify tokens: an
 * issuer that is down must not take the others' traffic away; its own tokens get 503.
 */
export class IssuerKeySources extends KeySource implements OnModuleInit, OnModuleDestroy {
  constructor(readonly issuers: readonly IssuerKeys[]) {
    super();
    for (const { source } of issuers) source.onChange(() => this.changed());
  }

  onModuleInit(): void {
    for (const { source } of this.issuers) (source as Partial<OnModuleInit>).onModuleInit?.();
  }

  onModuleDestroy(): void {
    for (const { source } of this.issuers) (source as Partial<OnModuleDestroy>).onModuleDestroy?.();
  }

  status(): KeySourceStatus {
    const issuers: IssuerKeyStatus[] = this.issuers.map(({ label, source }) => {
      const { ready, message } = source.status();
      return ready ? { issuer: label, ready } : { issuer: label, ready, ...(message !== undefined ? { message } : {}) };
    });
    const waiting = issuers.filter((issuer) => !issuer.ready).map((issuer) => issuer.issuer);
    return {
      ready: waiting.length < issuers.length,
      ...(waiting.length > 0 ? { message: `keys not loaded yet for issuer(s): ${waiting.join(', ')}` } : {}),
      issuers,
    };
  }

  /** Each issuer's verifier asks its own source; a token is never checked against all of them. */
  keysFor(): readonly KeyObject[] | undefined {
    return undefined;
  }

  refreshForUnknownKid(): Promise<boolean> {
    return Promise.resolve(false);
  }

  override get version(): number {
    let sum = 0;
    for (const { source } of this.issuers) sum += source.version;
    return sum;
  }

  override get changes(): boolean {
    return this.issuers.some(({ source }) => source.changes);
  }
}
