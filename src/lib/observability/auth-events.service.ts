import { ConsoleLogger, Inject, Injectable, Logger, type LogLevel } from '@nestjs/common';
import type { AuthFailure } from '../core/auth-failure.js';
import { GatehouseMetrics, type Transport } from './gatehouse-metrics.js';
import { eventLine, type LogEvent } from './event-line.js';
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
 * line per event and the matching metrics. Callers pass only what they know; no token
 * ever reaches this class, so none can reach a log.
 *
 * Levels: accepted authentications (and refreshes) at `verbose`, refusals at `log` or
 * lower (an address reaching the failure limit at `warn`): a client's bad token is not
 * the server's error.
 */
@Injectable()
export class AuthEventsService {
  // Nest's Logger: it writes through nestjs-pino when the app installs it, and this
  // class stays usable in apps (and tests) that log otherwise or not at all.
  private readonly logger = new Logger('Auth');

  // Explicit @Inject: tools without decorator metadata (tsx, esbuild) can still build it.
  constructor(@Inject(GatehouseMetrics) private readonly metrics: GatehouseMetrics) {}

  // The success path runs on every request: a plain count (see countAccepted), and a
  // line built only when the app's logger has verbose on.
  accepted(transport: Transport, address: string, sub: string): void {
    this.metrics.countAccepted(transport);
    if (Logger.isLevelEnabled('verbose')) {
      this.write('verbose', { msg: 'authentication accepted', event: 'auth_accepted', transport, ...logDetails({ address, sub }) });
    }
  }

  trackedAddresses(count: number): void {
    this.metrics.limitedAddresses.set(count);
  }

  rejected(transport: Transport, failure: AuthFailure, details: AuthEventDetails = {}): void {
    this.metrics.authTotal.labels(transport, 'rejected', failure.reason).inc();
    this.write('log', {
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
    this.write('debug', {
      msg: 'authentication refused: too many failures',
      event: 'auth_rate_limited',
      transport,
      ...logDetails(details),
    });
  }

  addressBlocked(transport: Transport, details: AuthEventDetails & { failures: number; windowSeconds: number }): void {
    this.write('warn', {
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
    if (Logger.isLevelEnabled('verbose')) {
      this.write('verbose', { msg: 'session refreshed', event: 'session_refreshed', transport: 'ws', ...logDetails(details) });
    }
  }

  expiryClosed(details: AuthEventDetails = {}): void {
    this.metrics.expiryCloses.inc();
    this.write('log', {
      msg: 'session expired: socket closed with 4001',
      event: 'session_expired',
      transport: 'ws',
      ...logDetails(details),
    });
  }

  /**
   * Every event goes out here, and only here: as an object for structured loggers
   * (nestjs-pino makes its fields JSON fields), as one line of text for Nest's default
   * ConsoleLogger, which would print an object over several lines.
   */
  private write(level: Extract<LogLevel, 'error' | 'warn' | 'log' | 'debug' | 'verbose'>, event: LogEvent): void {
    const target = this.logger.localInstance;
    const oneLine = target instanceof ConsoleLogger && (target as unknown as { options?: { json?: boolean } }).options?.json !== true;
    this.logger[level](oneLine ? eventLine(event) : event);
  }
}
