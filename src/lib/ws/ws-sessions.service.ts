import { Inject, Injectable } from '@nestjs/common';
import { AuthFailure, MISSING_TOKEN } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { SOCKET_SESSION } from '../auth/session-holder.js';
import { TokenVerifier } from '../verify/token-verifier.js';
import { EXPIRED, isJsonObject } from '../core/token-rules.js';
import { nowInSeconds, type ValidationResult } from '../core/validate-token.js';
import { gatehouseConfig, type GatehouseConfiguration } from '../../server/config/gatehouse.config.js';
import { DeadlineQueue } from './deadline-queue.js';
import { CONNECTION, type GatehouseSocket } from './ws-connection.js';
import { refuse, sendEvent } from './ws-frames.js';
import { SUB_MISMATCH, rateLimitedFailure } from './ws-protocol.js';
import { AuthAttempts } from '../auth/authenticator.js';
import { AuthEventsService } from '../observability/auth-events.service.js';

/**
 * A socket's session over its life: authentication (header or first frame), refresh,
 * the session_expiring notice and the close when the token runs out. Tokens are
 * checked by the TokenVerifier, the same checks a guarded REST route runs.
 */
@Injectable()
export class WsSessionService {
  private readonly noticeMs: number;
  private readonly leeway: number;

  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(gatehouseConfig.KEY) config: GatehouseConfiguration,
    @Inject(AuthAttempts) readonly attempts: AuthAttempts,
    @Inject(AuthEventsService) readonly events: AuthEventsService,
  ) {
    this.noticeMs = config.ws.expiryNoticeSeconds * 1000;
    this.leeway = config.auth.clockTolerance;
  }

  /** The TokenVerifier's answer, synchronously whenever it can give one. */
  verifyNow(token: string): ValidationResult | Promise<ValidationResult> {
    return this.verifier.verifyNow(token);
  }

  /** An `auth` frame: authenticates a new socket, or refreshes an authenticated one. */
  async authenticate(socket: GatehouseSocket, data: unknown): Promise<void> {
    const address = socket[CONNECTION]?.address ?? '';
    // The auth frame came in time: a slow check (a key-set refetch) must not turn it into auth_timeout.
    socket[CONNECTION]?.clearAuthTimer();
    // An address over the failure limit gets no more guesses, over this socket either.
    const retryAfter = this.attempts.refusal('ws', address);
    if (retryAfter > 0) return refuse(socket, rateLimitedFailure(retryAfter));
    const token = isJsonObject(data) && typeof data.token === 'string' && data.token !== '' ? data.token : undefined;
    const result = token === undefined ? MISSING_TOKEN : await this.verifier.verify(token);
    if (socket[CONNECTION]?.closing) return;
    const current = socket[SOCKET_SESSION];
    if (result instanceof AuthFailure) {
      this.attempts.failed('ws', address, result, current?.sub);
      return refuse(socket, result);
    }
    if (current !== undefined && current.sub !== result.sub) {
      this.attempts.failed('ws', address, SUB_MISMATCH, current.sub);
      return refuse(socket, SUB_MISMATCH);
    }
    this.attempts.succeeded('ws', address, result.sub);
    if (current !== undefined) this.events.refreshed({ sub: result.sub });
    this.start(socket, result);
  }

  /** Installs (or replaces) the session, answers with the `session` event, arms its timers. */
  start(socket: GatehouseSocket, session: Session): void {
    const connection = socket[CONNECTION]!;
    if (socket[SOCKET_SESSION] === undefined) this.events.sessionStarted();
    connection.clearAuthTimer();
    socket[SOCKET_SESSION] = session;
    // Live until the token would fail section 3's exp check (whole seconds, with leeway).
    // checkTimes refuses once now (whole seconds) > exp + leeway; exp may be fractional.
    connection.deadline =
      session.expiresAt === null ? Number.POSITIVE_INFINITY : (Math.floor(session.expiresAt + this.leeway) + 1) * 1000;
    connection.noticeSent = false;
    sendEvent(socket, 'session', session);
    this.armTimers(socket);
  }

  private armTimers(socket: GatehouseSocket): void {
    const connection = socket[CONNECTION]!;
    connection.clearSessionTimers();
    const expiresAt = socket[SOCKET_SESSION]?.expiresAt;
    if (expiresAt === null || expiresAt === undefined || connection.closing) return;
    // A time already past fires on the next turn, as setTimeout(fn, 0) would.
    if (!connection.noticeSent) connection.noticeTimer = this.notices.add(expiresAt * 1000 - this.noticeMs, socket);
    connection.expiryTimer = this.expiries.add(connection.deadline, socket);
  }

  // One queue (and one timer) per kind for every socket, the socket as the item: no
  // Node timer and no closure per socket.
  private readonly notices = new DeadlineQueue<GatehouseSocket>((socket) => this.notify(socket));
  private readonly expiries = new DeadlineQueue<GatehouseSocket>((socket) => this.expire(socket));

  private readonly notify = (socket: GatehouseSocket): void => {
    const connection = socket[CONNECTION]!;
    const session = socket[SOCKET_SESSION];
    connection.noticeTimer = undefined;
    if (connection.closing || session?.expiresAt == null) return;
    connection.noticeSent = true;
    sendEvent(socket, 'session_expiring', { expiresAt: session.expiresAt, serverTime: nowInSeconds() });
  };

  private readonly expire = (socket: GatehouseSocket): void => {
    const connection = socket[CONNECTION]!;
    connection.expiryTimer = undefined;
    if (!connection.closing) this.events.expiryClosed({ sub: socket[SOCKET_SESSION]?.sub, address: connection.address });
    refuse(socket, EXPIRED);
  };
}
