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
// out and clear its block. Only windows that have ended are dropped.

import { COUNTED, COUNTED_AND_BLOCKED, FailureLimit, type FailureCount } from './failure-limit.js';

export interface FailureLimiterOptions {
  /** Failures allowed per address per window; 0 disables the limiter. */
  readonly limit: number;
  readonly windowMs: number;
  /** The most addresses tracked at once; when full, new addresses are not tracked. */
  readonly maxAddresses: number;
  /** Milliseconds from a monotonic clock (tests pass their own). */
  readonly now?: () => number;
}

interface Window {
  readonly startedAt: number;
  failures: number;
}

export class FailureLimiter extends FailureLimit {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
  private readonly now: () => number;
  // Insertion order is window start order (a new window deletes and re-inserts), so
  // expired entries are always at the head of the map.
  private readonly windows = new Map<string, Window>();

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
    const retryAfterSeconds = this.retryAfterSeconds(address);
    if (retryAfterSeconds > 0) return { retryAfterSeconds, blocked: false };
    return this.recordFailure(address) ? COUNTED_AND_BLOCKED : COUNTED;
  }

  /**
   * 0 when `address` may try to authenticate, otherwise the whole seconds until it
   * may again (Retry-After). The path every request takes: one map lookup, no
   * allocation, for an address without recent failures.
   */
  retryAfterSeconds(address: string): number {
    if (this.limit === 0) return 0;
    const window = this.windows.get(address);
    if (window === undefined || window.failures < this.limit) return 0;
    const left = window.startedAt + this.windowMs - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /**
   * Counts one failure. Returns true when this failure used up the address's allowance
   * (so the caller can log the block once rather than for every refused request).
   */
  recordFailure(address: string): boolean {
    if (this.limit === 0) return false;
    const now = this.now();
    let window = this.windows.get(address);
    if (window === undefined || now - window.startedAt >= this.windowMs) {
      if (window !== undefined) this.windows.delete(address);
      this.dropEnded(now);
      // Full of live windows: this address goes untracked rather than evicting one.
      if (this.windows.size >= this.maxAddresses) return false;
      window = { startedAt: now, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures += 1;
    return window.failures === this.limit;
  }

  /** Drops the windows that have ended; they are at the head of the map. */
  private dropEnded(now: number): void {
    for (const [address, window] of this.windows) {
      if (now - window.startedAt < this.windowMs) break;
      this.windows.delete(address);
    }
  }
}
