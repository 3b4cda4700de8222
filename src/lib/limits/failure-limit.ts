/** The answer to one failed authentication (docs/protocol.md §10). */
export interface FailureCount {
  /** 0: counted, the address may go on trying; otherwise it is over the limit for this many more seconds. */
  readonly retryAfterSeconds: number;
  /** This failure used up the address's allowance (logged once, not for each refusal after it). */
  readonly blocked: boolean;
}

export const COUNTED: FailureCount = Object.freeze({ retryAfterSeconds: 0, blocked: false });
export const COUNTED_AND_BLOCKED: FailureCount = Object.freeze({ retryAfterSeconds: 0, blocked: true });

/**
 * Failed authentications per client address, counted in this process's memory
 * (FailureLimiter) or, with several processes, in Redis (RedisFailureLimiter). Only
 * failures are counted, so a valid token never waits for the count; and the
 * in-memory count answers synchronously.
 */
export abstract class FailureLimit {
  /** Failures allowed per address per window; 0: no limit. */
  abstract readonly limit: number;
  abstract readonly windowMs: number;

  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Addresses tracked by this process, for the metrics gauge; undefined when counted elsewhere. */
  abstract readonly trackedAddresses: number | undefined;

  /**
   * One failing attempt from `address`: counted, or (the address being over the
   * limit already) not counted and answered with how long it must wait.
   */
  abstract countFailure(address: string): FailureCount | Promise<FailureCount>;
}
