import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { TokenVerifier } from '../core/token-verifier.js';
import { KeySource } from '../keys/key-source.js';
import { SecureJwtVerifier } from '../verify/secure-jwt-verifier.js';
import { MultiIssuerVerifier } from '../verify/multi-issuer-verifier.js';
import { WsSessions } from './ws-sessions.service.js';

/**
 * A live socket whose key has left the key set is closed (error, then 4401
 * key_not_found) when the set refreshes (docs/protocol.md §10): each time the key
 * source loads new keys, every live session is checked against them, by the key that
 * verified its token (SecureJwtVerifier remembers it; no token is kept). Fixed keys
 * never change, and a host app's own verifier has no keys: then this does nothing.
 */
@Injectable()
export class KeyRemoval implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('KeySet');
  private stop: (() => void) | undefined;

  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(KeySource) private readonly keys: KeySource,
    @Inject(WsSessions) private readonly sessions: WsSessions,
  ) {}

  onModuleInit(): void {
    const verifier = this.verifier;
    if (verifier instanceof SecureJwtVerifier || verifier instanceof MultiIssuerVerifier)
      this.stop = this.keys.onChange(() => this.sweep(verifier));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** One pass over the live sockets, closing in batches (measured in docs/limits.md). */
  private sweep(verifier: SecureJwtVerifier | MultiIssuerVerifier): void {
    const started = performance.now();
    this.sessions.revalidateInBatches(verifier.keysLeftCheck()).then(
      (closed) => {
        const ms = (performance.now() - started).toFixed(1);
        if (closed > 0)
          this.logger.warn(`${closed} live socket(s) closed (4401 key_not_found): their key left the key set; done in ${ms} ms`);
        else this.logger.debug(`key set loaded: every live socket's key is still in it; checked in ${ms} ms`);
      },
      (error: unknown) => this.logger.error(error),
    );
  }
}
