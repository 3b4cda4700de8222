import { rightsOf } from '../core/rights.js';
import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { AUTH_UNAVAILABLE, AuthFailure, MISSING_TOKEN, RateLimitedFailure, type Reason } from '../core/auth-failure.js';
import { bearerToken } from '../core/bearer-token.js';
import type { Session } from '../core/session.js';
import { settle, type MaybePromise } from '../core/settle.js';
import { clientAddressOf } from '../limits/client-address.js';
import { FailureLimit } from '../limits/failure-limit.js';
import { Revocations } from '../revocation/revocations.service.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
import type { Transport } from '../observability/gatehouse-metrics.js';
import type { AuthDependency } from '../observability/auth-events.service.js';
import { TokenVerifier, type VerifyResult } from '../core/token-verifier.js';

export type Outcome = Session | AuthFailure;

/**
 * What REST needs of a request: its headers and the Node request, for the client
 * address. Express's request is the Node request; Fastify's has it as `raw`.
 */
export type AuthRequest =
  IncomingMessage | { readonly headers: Readonly<Record<string, string | string[] | undefined>>; readonly raw: IncomingMessage };

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
 *
 * It never throws or rejects: a dependency that does (the verifier, the revocation
 * check, the failure limit) yields AUTH_UNAVAILABLE (503, or close 1011), logged once
 * with its cause and not counted, so no caller handles a failure of its own.
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
    // A custom verifier's sessions: their rights read from the claims when accepted, once
    // per session object, so that rightsOf(session) knows them (JWT verifiers note theirs).
    this.noteRights = settings.auth.mode === 'custom' ? (session) => void rightsOf(session, settings.rights) : undefined;
  }

  private readonly noteRights: ((session: Session) => void) | undefined;

  /**
   * `token` undefined: none was sent. `expectedSub`: a refresh of a live session,
   * which must keep its user. Synchronous whenever the verifier is (nearly always).
   */
  authenticate(transport: Transport, token: string | undefined, address: string, expectedSub?: string): MaybePromise<Outcome> {
    if (token === undefined) return this.refuse(transport, address, MISSING_TOKEN, expectedSub);
    return settle(
      () => this.verifier.verify(token),
      (result) => this.decide(transport, address, result, expectedSub),
      (error) => this.unavailable(transport, address, 'verifier', error),
    );
  }

  /** A REST request's `Authorization: Bearer` token, from its client address. */
  authenticateRequest(request: AuthRequest): MaybePromise<Outcome> {
    const raw = (request as { raw?: IncomingMessage }).raw ?? (request as IncomingMessage);
    return this.authenticate('http', bearerToken(request.headers.authorization), this.addressOf(raw));
  }

  private decide(transport: Transport, address: string, result: VerifyResult, expectedSub: string | undefined): MaybePromise<Outcome> {
    if (result instanceof AuthFailure) return this.refuse(transport, address, result, expectedSub);
    if (expectedSub !== undefined && result.sub !== expectedSub) {
      return this.refuse(transport, address, SUB_MISMATCH, expectedSub);
    }
    return settle(
      () => this.revocations.check(result),
      (revoked): MaybePromise<Outcome> => {
        if (revoked !== undefined) return this.refuse(transport, address, revoked, result.sub);
        this.events.accepted(transport, address, result.sub);
        this.noteRights?.(result);
        return result;
      },
      (error) => this.unavailable(transport, address, 'revocations', error, result.sub),
    );
  }

  /**
   * A failure, counted against the address when it counts. Synchronous with the
   * in-memory limit; with the limit in Redis, counting is a round trip, taken on
   * this failing path only.
   */
  private refuse(transport: Transport, address: string, failure: AuthFailure, sub: string | undefined): MaybePromise<AuthFailure> {
    if (!this.limiter.enabled || NOT_COUNTED.has(failure.reason)) return this.rejected(transport, address, failure, sub);
    // An address over the limit learns nothing more about why its tokens fail. What
    // does not count keeps its own answer: an expired token must still say
    // token_expired, or a client behind a blocked address could not tell to refresh.
    const counted = this.countFailure(transport, address, () => this.rejected(transport, address, failure, sub), sub);
    return counted instanceof Promise ? counted.then((refusal) => refusal ?? failure) : (counted ?? failure);
  }

  /**
   * A failed authentication counted against `address` by the failure limit (docs/protocol.md
   * §10): a bad token here, a wrong admin key in the admin API. `counted` logs the failure
   * when it counted (not when the address was already over the limit), before a block is
   * reported. Answers undefined when it counted, rate_limited when the address is over
   * the limit, auth_unavailable when the limit's store failed.
   */
  countFailure(transport: Transport, address: string, counted: () => void, sub?: string): MaybePromise<AuthFailure | undefined> {
    if (!this.limiter.enabled) {
      counted();
      return undefined;
    }
    return settle(
      () => this.limiter.countFailure(address),
      (count): AuthFailure | undefined => {
        if (count.retryAfterSeconds > 0) {
          this.events.rateLimited(transport, { address, retryAfterSeconds: count.retryAfterSeconds });
          return new RateLimitedFailure(count.retryAfterSeconds);
        }
        counted();
        if (count.blocked) {
          this.events.addressBlocked(transport, { address, failures: this.limiter.limit, windowSeconds: this.limiter.windowMs / 1000 });
        }
        const tracked = this.limiter.trackedAddresses;
        if (tracked !== undefined) this.events.trackedAddresses(tracked);
        return undefined;
      },
      (error) => this.unavailable(transport, address, 'failure limit', error, sub),
    );
  }

  /** A dependency threw or rejected: logged once at error level with its cause, never counted. */
  private unavailable(transport: Transport, address: string, dependency: AuthDependency, cause: unknown, sub?: string): AuthFailure {
    this.events.unavailable(transport, dependency, cause, sub === undefined ? { address } : { address, sub });
    return AUTH_UNAVAILABLE;
  }

  private rejected(transport: Transport, address: string, failure: AuthFailure, sub: string | undefined): AuthFailure {
    this.events.rejected(transport, failure, sub === undefined ? { address } : { address, sub });
    return failure;
  }
}
