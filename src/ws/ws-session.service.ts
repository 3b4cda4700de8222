import { Inject, Injectable } from '@nestjs/common';
import { AuthFailure, MISSING_TOKEN } from '../auth/auth-failure.js';
import type { Session } from '../auth/session.js';
import { SOCKET_SESSION } from '../auth/session-holder.js';
import { TokenVerifier } from '../auth/token-verifier.js';
import { EXPIRED, isJsonObject } from '../auth/token-rules.js';
import { nowInSeconds, type ValidationResult } from '../auth/validate-token.js';
import { gatehouseConfig, type GatehouseConfiguration } from '../config/gatehouse.config.js';
import { DeadlineQueue } from './deadline-queue.js';
import { CONNECTION, type GatehouseSocket } from './ws-connection.js';
import { refuse, sendEvent } from './ws-frames.js';
import { SUB_MISMATCH } from './ws-protocol.js';

/**
 * A socket's session over its life: authentication (header or first frame), refresh,
 * the session_expiring notice and the close when the token runs out. Tokens are
 * checked by the TokenVerifier, the same checks a guarded REST route runs.
 */
@Injectable()
export class WsSessionService {
  private readonly noticeMs: number;
  private readonly leewayMs: number;

  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(gatehouseConfig.KEY) config: GatehouseConfiguration,
  ) {
    this.noticeMs = config.ws.expiryNoticeSeconds * 1000;
    this.leewayMs = config.auth.clockTolerance * 1000;
  }

  /** The TokenVerifier's answer, synchronously whenever it can give one. */
  verifyNow(token: string): ValidationResult | Promise<ValidationResult> {
    return this.verifier.verifyNow(token);
  }

  /** An `auth` frame: authenticates a new socket, or refreshes an authenticated one. */
  async authenticate(socket: GatehouseSocket, data: unknown): Promise<void> {
    const token = isJsonObject(data) && typeof data.token === 'string' && data.token !== '' ? data.token : undefined;
    const result = token === undefined ? MISSING_TOKEN : await this.verifier.verify(token);
    if (socket[CONNECTION]?.closing) return;
    if (result instanceof AuthFailure) return refuse(socket, result);
    const current = socket[SOCKET_SESSION];
    if (current !== undefined && current.sub !== result.sub) return refuse(socket, SUB_MISMATCH);
    this.start(socket, result);
  }

  /** Installs (or replaces) the session, answers with the `session` event, arms its timers. */
  start(socket: GatehouseSocket, session: Session): void {
    const connection = socket[CONNECTION]!;
    connection.clearAuthTimer();
    socket[SOCKET_SESSION] = session;
    // Live until the token would fail section 3's exp check (whole seconds, with leeway).
    connection.deadline =
      session.expiresAt === null ? Number.POSITIVE_INFINITY : session.expiresAt * 1000 + this.leewayMs + 1000;
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
    socket[CONNECTION]!.expiryTimer = undefined;
    refuse(socket, EXPIRED);
  };
}
