import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthFailure } from '../core/auth-failure.js';
import { GatehouseMetrics, type Transport } from './gatehouse-metrics.js';
import { escapeLineBreaks } from './log-safety.js';

export interface AuthEventDetails {
  /** The user id, when it is known (a session, or a failure such as sub_mismatch). */
  readonly sub?: string;
  /** The client address the request or socket came from. */
  readonly address?: string;
}

/** What authentication depends on that can fail (docs/protocol.md §14): auth_unavailable. */
export type AuthDependency = 'verifier' | 'revocations' | 'failure limit' | 'authorization policy';

/**
 * The details as log values: sub comes from a token's claims and may hold any
 * character, line breaks included (see log-safety.ts). The same object when nothing
 * needs escaping.
 */
function logDetails<T extends AuthEventDetails>(details: T): T {
  const sub = details.sub === undefined ? undefined : escapeLineBreaks(details.sub);
  const address = details.address === undefined ? undefined : escapeLineBreaks(details.address);
  return sub === details.sub && address === details.address ? details : { ...details, sub, address };
}

/**
 * What happened to authentication, for REST and the WebSocket gateway alike: one log
 * line per rejection and the matching metrics. Callers pass only what they know; no
 * token ever reaches this class, so none can reach a log.
 */
@Injectable()
export class AuthEventsService {
  // Nest's Logger: it writes through nestjs-pino when the app installs it, and this
  // class stays usable in apps (and tests) that log otherwise or not at all.
  private readonly logger = new Logger('Auth');

  // Explicit @Inject: tools without decorator metadata (tsx, esbuild) can still build it.
  constructor(@Inject(GatehouseMetrics) private readonly metrics: GatehouseMetrics) {}

  // The success path runs on every request: a plain count (see countAccepted), and a
  // debug line built only when the app's logger has debug on.
  accepted(transport: Transport, address: string, sub: string): void {
    this.metrics.countAccepted(transport);
    // Debug: the success path is every request; info would double the request log.
    if (Logger.isLevelEnabled('debug')) {
      this.logger.debug({ msg: 'authentication accepted', event: 'auth_accepted', transport, ...logDetails({ address, sub }) });
    }
  }

  trackedAddresses(count: number): void {
    this.metrics.limitedAddresses.set(count);
  }

  rejected(transport: Transport, failure: AuthFailure, details: AuthEventDetails = {}): void {
    this.metrics.authTotal.labels(transport, 'rejected', failure.reason).inc();
    this.logger.log({
      msg: 'authentication rejected',
      event: 'auth_rejected',
      transport,
      reason: failure.reason,
      // Messages quote claim values (claim_invalid).
      message: escapeLineBreaks(failure.message),
      ...logDetails(details),
    });
  }

  /** A dependency threw or rejected: auth_unavailable (503, close 1011), one error line with its cause. */
  unavailable(transport: Transport, dependency: AuthDependency, cause: unknown, details: AuthEventDetails = {}): void {
    this.metrics.authTotal.labels(transport, 'unavailable', 'auth_unavailable').inc();
    const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    this.logger.error({
      msg: `authentication unavailable: the ${dependency} failed`,
      event: 'auth_unavailable',
      transport,
      dependency,
      cause: escapeLineBreaks(text),
      ...logDetails(details),
    });
  }

  /**
   * An attempt refused because its address is over the failure limit. `blocked` is
   * true for the failure that used up the allowance: logged once as a warning, the
   * refusals that follow only at debug level, so an attack cannot flood the log.
   */
  rateLimited(transport: Transport, details: AuthEventDetails & { retryAfterSeconds: number }): void {
    this.metrics.authTotal.labels(transport, 'rate_limited', 'rate_limited').inc();
    this.logger.debug({ msg: 'authentication refused: too many failures', event: 'auth_rate_limited', transport, ...logDetails(details) });
  }

  addressBlocked(transport: Transport, details: AuthEventDetails & { failures: number; windowSeconds: number }): void {
    this.logger.warn({
      msg: 'client address reached the failed-authentication limit',
      event: 'auth_address_blocked',
      transport,
      ...logDetails(details),
    });
  }

  // The WebSocket gateway's lifecycle, for the gauges and counters.

  socketOpened(): void {
    this.metrics.openSockets.inc();
  }

  /** `authenticated`: whether the socket held a session when it closed. */
  socketClosed(authenticated: boolean): void {
    this.metrics.openSockets.dec();
    if (authenticated) this.metrics.authenticatedSessions.dec();
  }

  /** A socket's first session (a refresh is `refreshed`, not this). */
  sessionStarted(): void {
    this.metrics.authenticatedSessions.inc();
  }

  refreshed(details: AuthEventDetails = {}): void {
    this.metrics.refreshes.inc();
    this.logger.debug({ msg: 'session refreshed', event: 'session_refreshed', transport: 'ws', ...logDetails(details) });
  }

  expiryClosed(details: AuthEventDetails = {}): void {
    this.metrics.expiryCloses.inc();
    this.logger.log({ msg: 'session expired: socket closed with 4001', event: 'session_expired', transport: 'ws', ...logDetails(details) });
  }
}
