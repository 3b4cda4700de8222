import type { Session } from '../core/session.js';
import { checkTimes, type JsonObject } from '../core/token-rules.js';

/** Enough for every live session of a busy server; a full cache drops a least recently used token. */
export const TOKEN_CACHE_CAPACITY = 10_000;

/**
 * A full cache drops this fraction of its entries at once (1/64: 157 of 10,000), so
 * that the walk past the slots V8 leaves where entries were deleted at the head of
 * the Map is paid once per batch, not once per new token (bench/micro.mjs measures both).
 */
const EVICTED_AT_ONCE = 64;

/** How often (in seconds of `now`) entries whose token has expired are swept out. */
const SWEEP_EVERY_SECONDS = 30;

interface Entry {
  readonly session: Session;
  /** The top-level payload: each hit runs step 4's time rules on it again. */
  readonly payload: JsonObject;
  /** Used since eviction last looked at it: it gets a second chance (see evict). */
  used: boolean;
}

/**
 * Sessions of tokens that passed every check of docs/protocol.md §3, keyed by the
 * token string, so a token seen again (REST calls, reconnects) skips the parsing and
 * the signature. A hit must answer what a fresh check would:
 *
 * - only successes are stored, never failures;
 * - the time rules (checkTimes, the same function validateToken runs) are run again
 *   on every hit against the current `now`: an expired token is dropped and checked
 *   afresh, so it gets token_expired, never a cached session;
 * - a token whose iat or nbf is still ahead of now (accepted only thanks to the
 *   leeway) is not stored;
 * - whoever owns the cache clears it when the verification keys change;
 * - the stored session (claims included) is frozen: it is shared by every request.
 *
 * Everything else a check looks at (shape, alg, signature, iss, aud, sub) depends on
 * the token and the configuration alone, so it cannot change for the same string.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly leeway: number,
    private readonly capacity = TOKEN_CACHE_CAPACITY,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached session, if the token is held and still passes the time rules at `now`. */
  get(token: string, now: number): Session | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (checkTimes(entry.payload, now, this.leeway) !== null) {
      this.entries.delete(token);
      return undefined;
    }
    // A flag, not a move to the end of the Map: deleting and re-adding the same key on
    // every hit leaves a deleted slot in its hash bucket each time, and lookups walk them
    // all until V8 rehashes (measured: 4 to 50 µs a hit with thousands of tokens held).
    entry.used = true;
    return entry.session;
  }

  /** Stores a session that validateToken just accepted at `now` for this token and payload. */
  set(token: string, session: Session, payload: JsonObject, now: number): void {
    if (this.capacity <= 0 || !settled(payload.iat, now) || !settled(payload.nbf, now)) return;
    if (now - this.lastSweep >= SWEEP_EVERY_SECONDS) this.sweep(now);
    this.entries.delete(token);
    if (this.entries.size >= this.capacity) this.evict(Math.ceil(this.capacity / EVICTED_AT_ONCE));
    // One session object now answers many requests and sockets: frozen, so that code
    // that changes its request's session cannot change anyone else's.
    this.entries.set(token, { session: deepFreeze(session), payload, used: false });
  }

  /**
   * Drops `count` of the least recently used tokens, approximately (second chance, or
   * CLOCK): the oldest entry goes unless it was used since it was last looked at here;
   * then it moves to the end with its flag cleared, and the next oldest is looked at.
   */
  private evict(count: number): void {
    let left = count;
    for (const [token, entry] of this.entries) {
      this.entries.delete(token);
      if (!entry.used && --left === 0) return;
      if (entry.used) {
        entry.used = false;
        this.entries.set(token, entry);
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops every entry whose token no longer passes the time rules. */
  sweep(now: number): void {
    this.lastSweep = now;
    for (const [token, entry] of this.entries) {
      if (checkTimes(entry.payload, now, this.leeway) !== null) this.entries.delete(token);
    }
  }
}

/** An optional time claim that is already in the past (or now): it cannot start failing later. */
function settled(value: unknown, now: number): boolean {
  return value === undefined || (typeof value === 'number' && value <= now);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
