import { Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { JsonObject } from '../core/token-rules.js';

/**
 * What /health reports about the keys: ready once tokens can be verified. It is
 * public, so it holds counts and fixed phrases only: never a URL, a key or an error's
 * own text (those go to the server log).
 */
export interface KeySourceStatus {
  readonly ready: boolean;
  /** Why tokens cannot be verified yet, in words (only when not ready). */
  readonly message?: string;
  /** A fetched key set: how many keys are held, since when, and why the last fetch failed. */
  readonly keySet?: {
    readonly keys: number;
    readonly fetchedAt: string | null;
    readonly lastError?: string;
  };
  /** Several issuers: each one's state, named by its host (never a URL). */
  readonly issuers?: readonly IssuerKeyStatus[];
}

export interface IssuerKeyStatus {
  readonly issuer: string;
  readonly ready: boolean;
  readonly message?: string;
}

/**
 * Where secure mode's verification keys come from: fixed at startup (AUTH_JWT_KEY,
 * AUTH_JWT_KEY_FILE) or fetched from an identity provider (AUTH_JWT_JWKS_URL). The
 * strategy asks it for keys, the health check whether it is ready.
 */
export abstract class KeySource {
  abstract status(): KeySourceStatus;

  /** Whether tokens can be verified now (status().ready, without building the status). */
  get ready(): boolean {
    return this.status().ready;
  }
  /** The keys that may have signed a token with this header; undefined: none for its kid. */
  abstract keysFor(header: JsonObject): readonly KeyObject[] | undefined;
  /** Called after key_not_found; resolves true when new keys were loaded, worth a second try. */
  abstract refreshForUnknownKid(): Promise<boolean>;
  /**
   * Changes whenever the keys are replaced: what was verified with the old keys must
   * be verified again (a removed key stops working). Fixed keys never change.
   */
  get version(): number {
    return 0;
  }

  /**
   * Whether the keys can ever be replaced: true unless a source knows they cannot
   * (fixed keys), so that a source of the app's own keeps key removal working.
   */
  get changes(): boolean {
    return true;
  }

  private readonly listeners = new Set<() => void>();

  /**
   * Calls `listener` each time new keys have replaced the old ones (after `version`
   * changed), e.g. to close live sockets whose key left the set. Returns how to stop.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For sources whose keys change: tells the listeners, after the new keys are in place. */
  protected changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        // A listener's failure is its own: the new keys stay loaded.
        new Logger('KeySet').error(error);
      }
    }
  }
}
