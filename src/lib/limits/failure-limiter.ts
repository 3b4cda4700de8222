// Failed authentications per client address, in fixed windows, held in memory.
//
// Why fixed windows: the answer is exact and easy to state ("at most N failures per
// address per window; after that 429 until the window ends"), Retry-After is simply
// the rest of the window, and entries expire in insertion order, which keeps memory
// bounded without timers. A burst across a window boundary can reach 2N, which is fine
// for an abuse limit (it is not a quota).
//
// A full table (maxAddresses live windows) tracks no new address, and never forgets a
// live one: otherwise failures from many other addresses would push a blocked address
// out and clear its block. Only windows that have ended are dropped. The addresses it
// cannot track are not let through unlimited either: they share one window of their
// own (the overflow), so that filling the table (easy with IPv6 networks to spare)
// buys an attacker no more than `limit` further guesses per window, wherever they
// come from. Only failing attempts ever meet it: a valid token is never refused.

import { COUNTED, COUNTED_AND_BLOCKED, failureKeyOf, FailureLimit, type FailureCount } from './failure-limit.js';

export interface FailureLimiterOptions {
  /** Failures allowed per address per window; 0 disables the limiter. */
  readonly limit: number;
  readonly windowMs: number;
  /** The most addresses tracked at once; when full, new addresses share one overflow window. */
  readonly maxAddresses: number;
  /** Milliseconds from a monotonic clock (tests pass their own). */
  readonly now?: () => number;
}

interface Window {
  startedAt: number;
  failures: number;
}

export class FailureLimiter extends FailureLimit {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
  private readonly now: () => number;
  // Insertion order is window start order (a new window deletes and re-inserts), so
  // expired entries are always at the head of the map. Keyed by failureKeyOf (IPv6: /64).
  private readonly windows = new Map<string, Window>();
  /** Every address the full table could not track, counted together. */
  private readonly overflow: Window = { startedAt: Number.NEGATIVE_INFINITY, failures: 0 };

  constructor(options: FailureLimiterOptions) {
    super();
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.maxAddresses = options.maxAddresses;
    this.now = options.now ?? (() => performance.now());
  }

  /** Addresses currently tracked (for the metrics gauge). */
  get trackedAddresses(): number {
    return this.windows.size;
  }

  countFailure(address: string): FailureCount {
    if (this.limit === 0) return COUNTED;
    // The key (an IPv6 address's /64) and the time, once for both steps.
    const key = failureKeyOf(address);
    const now = this.now();
    const retryAfterSeconds = this.retryAfterAt(key, now);
    if (retryAfterSeconds > 0) return { retryAfterSeconds, blocked: false };
    return this.recordAt(key, now) ? COUNTED_AND_BLOCKED : COUNTED;
  }

  /**
   * 0 when `address` may try to authenticate, otherwise the whole seconds until it
   * may again (Retry-After). The path every request takes: one map lookup, no
   * allocation, for an address without recent failures while the table has room.
   */
  retryAfterSeconds(address: string): number {
    if (this.limit === 0) return 0;
    return this.retryAfterAt(failureKeyOf(address), this.now());
  }

  /**
   * Counts one failure. Returns true when this failure used up the address's allowance
   * (so the caller can log the block once rather than for every refused request).
   */
  recordFailure(address: string): boolean {
    if (this.limit === 0) return false;
    return this.recordAt(failureKeyOf(address), this.now());
  }

  private retryAfterAt(key: string, now: number): number {
    let window = this.windows.get(key);
    if (window === undefined && this.windows.size >= this.maxAddresses) window = this.overflowIfFull(now);
    if (window === undefined || window.failures < this.limit) return 0;
    const left = window.startedAt + this.windowMs - now;
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  private recordAt(key: string, now: number): boolean {
    let window = this.windows.get(key);
    if (window === undefined || this.ended(window, now)) {
      if (window !== undefined) this.windows.delete(key);
      this.dropEnded(now);
      // Full of live windows: this address goes untracked rather than evicting one.
      window = this.overflowIfFull(now);
      if (window === undefined) {
        window = { startedAt: now, failures: 0 };
        this.windows.set(key, window);
      }
    }
    window.failures += 1;
    return window.failures === this.limit;
  }

  /** The shared window of untracked addresses when the table is full (started afresh once ended); undefined while there is room. */
  private overflowIfFull(now: number): Window | undefined {
    if (this.windows.size < this.maxAddresses) return undefined;
    this.dropEnded(now);
    if (this.windows.size < this.maxAddresses) return undefined;
    if (this.ended(this.overflow, now)) {
      this.overflow.startedAt = now;
      this.overflow.failures = 0;
    }
    return this.overflow;
  }

  private ended(window: Window, now: number): boolean {
    return now - window.startedAt >= this.windowMs;
  }

  /** Drops the windows that have ended; they are at the head of the map. */
  private dropEnded(now: number): void {
    for (const [address, window] of this.windows) {
      if (!this.ended(window, now)) break;
      this.windows.delete(address);
    }
  }
}
