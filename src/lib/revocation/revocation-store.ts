import type { Revocation } from './revocation.js';

/** What a store tells the process's in-memory list (RevocationList) as it learns it. */
export interface RevocationSink {
  /** The whole set, loaded (at start, and each time Redis is reached again). */
  replaceAll(entries: readonly Revocation[]): void;
  /** An entry written, here or by another process. */
  put(entry: Revocation): void;
  /** An entry lifted, here or by another process. */
  remove(id: string): void;
  /** What the process holds now. */
  held(): Iterable<Revocation>;
}

/** Where revocations are kept: a file (one process) or Redis (several). */
export interface RevocationStore {
  /** Where, in words for the logs (never a password). */
  readonly description: string;
  /** Loads the set into `sink` and keeps it informed; resolves once loaded, or after `waitMs` without. */
  start(sink: RevocationSink, waitMs: number): Promise<void>;
  /**
   * Stores an entry (merged with the one of its id, mergeRevocations) and answers what
   * is stored. Rejects with StoreUnavailable when it cannot be stored.
   */
  add(entry: Revocation): Promise<Revocation>;
  /** Lifts an entry: false when there was none. Rejects with StoreUnavailable. */
  remove(id: string): Promise<boolean>;
  /** Housekeeping: forgets entries that no longer cover a token that could pass (file compaction, Redis cleanup). */
  tidy(now: number): Promise<void>;
  /** The whole set has been loaded at least once (a file store: once started). */
  readonly loaded: boolean;
  /** Nothing stored, or the set is not known to be complete and current: why, in words; undefined when all is well. */
  readonly staleness: string | undefined;
  close(): Promise<void>;
}

/** The store cannot take a write now (Redis unreachable, disk full): the admin API answers 503. */
export class StoreUnavailable extends Error {}

/** The bound on revocations held (REVOCATION_MAX_ENTRIES) is reached: the admin API answers 507. */
export class RevocationsFull extends Error {
  constructor(readonly maxEntries: number) {
    super(
      `${maxEntries} revocations are held, the most allowed (REVOCATION_MAX_ENTRIES, revocation.maxEntries): nothing was stored. ` +
        'Lift entries that are no longer needed, set REVOCATION_MAX_TOKEN_LIFETIME_SECONDS so that sub cut-offs are dropped, revoke a whole sub instead of many of its jtis, or raise the bound',
    );
    this.name = 'RevocationsFull';
  }
}
