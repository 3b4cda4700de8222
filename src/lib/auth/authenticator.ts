import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { AuthFailure, MISSING_TOKEN, RateLimitedFailure, type Reason } from '../core/auth-failure.js';
import { bearerToken } from '../core/bearer-token.js';
import type { Session } from '../core/session.js';
import { clientAddressOf } from '../limits/client-address.js';
import { FailureLimit, type FailureCount } from '../limits/failure-limit.js';
import { Revocations } from '../revocation/revocations.service.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
import type { Transport } from '../observability/gatehouse-metrics.js';
import { TokenVerifier, type VerifyResult } from '../core/token-verifier.js';

export type Outcome = Session | AuthFailure;

/** What REST needs of a request (Fastify's): its headers and the Node request under it. */
export interface AuthRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly raw: IncomingMessage;
}

/**
 * Failures that do not count against an address (docs/protocol.md §10): no token at
 * all is what a signed-out client sends, an expired token is what every client sends
 * when its token runs out, and the WebSocket protocol errors are not guesses at a token.
 */
const NOT_COUNTED: ReadonlySet<Reason> = new Set([
  'token_missing',
  'token_expired',
  'auth_required',
  'auth_timeout',
  'bad_message',
  // A revoked token was issued by the identity provider: no guess, nothing to slow down.
  'token_revoked',
  // The server cannot decide now (docs/protocol.md §14, §16): not the client's guess.
  'auth_unavailable',
]);

export const SUB_MISMATCH = new AuthFailure('sub_mismatch', "The new token's 'sub' differs from the session's: reconnect to change users");

/**
 * The one authentication path. REST (guard, passport strategy, unknown routes, the
 * pre-body hook) and WebSocket (upgrade, auth frames, refresh) all hand it a token and
 * the client's address, and get a session or a refusal; it records the attempt: the
 * failure limit, the log line, the metrics.
 *
 * The failure limit never refuses a valid token: the token is verified first, and
 * only a failing attempt from an address over the limit becomes `rate_limited`.
 * A token that passes is then looked up among the revocations (§11), in memory.
 */
@Injectable()
export class Authenticator {
  /**
   * The client address of a request or upgrade under the `trustProxy` option: the
   * same function for REST and WebSocket, so both count failures against one address.
   */
  readonly addressOf: (request: IncomingMessage) => string;

  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(FailureLimit) private readonly limiter: FailureLimit,
    @Inject(Revocations) private readonly revocations: Revocations,
    @Inject(AuthEventsService) private readonly events: AuthEventsService,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.addressOf = clientAddressOf(settings.trustProxy);
  }

  /**
   * `token` undefined: none was sent. `expectedSub`: a refresh of a live session,
   * which must keep its user. Synchronous whenever the verifier is (nearly always).
   */
  authenticate(transport: Transport, token: string | undefined, address: string, expectedSub?: string): Outcome | Promise<Outcome> {
    if (token === undefined) return this.refuse(transport, address, MISSING_TOKEN, expectedSub);
    const result = this.verifier.verify(token);
    return result instanceof Promise
      ? result.then((value) => this.decide(transport, address, value, expectedSub))
      : this.decide(transport, address, result, expectedSub);
  }

  /** A REST request's `Authorization: Bearer` token, from its client address. */
  authenticateRequest(request: AuthRequest): Outcome | Promise<Outcome> {
    return this.authenticate('http', bearerToken(request.headers.authorization), this.addressOf(request.raw));
  }

  private decide(transport: Transport, address: string, result: VerifyResult, expectedSub: string | undefined): Outcome | Promise<Outcome> {
    if (result instanceof AuthFailure) return this.refuse(transport, address, result, expectedSub);
    if (expectedSub !== undefined && result.sub !== expectedSub) {
      return this.refuse(transport, address, SUB_MISMATCH, expectedSub);
    }
    const revoked = this.revocations.check(result);
    if (revoked !== undefined) return this.refuse(transport, address, revoked, result.sub);
    this.events.accepted(transport, address, result.sub);
    return result;
  }

  /**
   * A failure, counted against the address when it counts. Synchronous with the
   * in-memory limit; with the limit in Redis, counting is a round trip, taken on
   * this failing path only.
   */
  private refuse(transport: Transport, address: string, failure: AuthFailure, sub: string | undefined): AuthFailure | Promise<AuthFailure> {
    if (!this.limiter.enabled || NOT_COUNTED.has(failure.reason)) return this.rejected(transport, address, failure, sub);
    const count = this.limiter.countFailure(address);
    return count instanceof Promise
      ? count.then((value) => this.counted(transport, address, failure, sub, value))
      : this.counted(transport, address, failure, sub, count);
  }

  private counted(transport: Transport, address: string, failure: AuthFailure, sub: string | undefined, count: FailureCount): AuthFailure {
    // An address over the limit learns nothing more about why its tokens fail. What
    // does not count keeps its own answer: an expired token must still say
    // token_expired, or a client behind a blocked address could not tell to refresh.
    if (count.retryAfterSeconds > 0) {
      this.events.rateLimited(transport, { address, retryAfterSeconds: count.retryAfterSeconds });
      return new RateLimitedFailure(count.retryAfterSeconds);
    }
    this.rejected(transport, address, failure, sub);
    if (count.blocked) {
      this.events.addressBlocked(transport, {
        address,
        failures: this.limiter.limit,
        windowSeconds: this.limiter.windowMs / 1000,
      });
    }
    const tracked = this.limiter.trackedAddresses;
    if (tracked !== undefined) this.events.trackedAddresses(tracked);
    return failure;
  }

  private rejected(transport: Transport, address: string, failure: AuthFailure, sub: string | undefined): AuthFailure {
    this.events.rejected(transport, failure, sub === undefined ? { address } : { address, sub });
    return failure;
  }
}
