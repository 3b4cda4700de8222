import { Injectable } from '@nestjs/common';
import type { AuthFailure, Reason } from '../core/auth-failure.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
import { GatehouseMetrics, type Transport } from '../observability/gatehouse-metrics.js';
import { FailureLimiter } from '../limits/failure-limiter.js';

/**
 * Failures that do not count against an address: no token at all costs the server
 * nothing and is what a signed-out client sends (a page asking "am I logged in?"),
 * and the WebSocket protocol errors are not guesses at a token.
 */
const NOT_COUNTED: ReadonlySet<Reason> = new Set(['token_missing', 'auth_required', 'auth_timeout', 'bad_message']);

/**
 * Every authentication attempt goes through here, over REST and WebSocket alike:
 * refusal() before a token is checked, then failed() or succeeded(). It ties the
 * failure limiter to the log and the metrics so that callers make one call each.
 */
@Injectable()
export class AuthAttempts {
  constructor(
    private readonly limiter: FailureLimiter,
    private readonly events: AuthEventsService,
    private readonly metrics: GatehouseMetrics,
  ) {}

  /** 0 when `address` may try; otherwise Retry-After seconds (the refusal is counted). */
  refusal(transport: Transport, address: string): number {
    const retryAfterSeconds = this.limiter.retryAfterSeconds(address);
    if (retryAfterSeconds > 0) this.events.rateLimited(transport, { address, retryAfterSeconds });
    return retryAfterSeconds;
  }

  failed(transport: Transport, address: string, failure: AuthFailure, sub?: string): void {
    this.events.rejected(transport, failure, sub === undefined ? { address } : { address, sub });
    if (!this.limiter.enabled || NOT_COUNTED.has(failure.reason)) return;
    if (this.limiter.recordFailure(address)) {
      this.events.addressBlocked(transport, {
        address,
        failures: this.limiter.limit,
        windowSeconds: this.limiter.windowMs / 1000,
      });
    }
    this.metrics.limitedAddresses.set(this.limiter.trackedAddresses);
  }

  succeeded(transport: Transport, address: string, sub: string): void {
    this.events.accepted(transport, { address, sub });
  }
}
