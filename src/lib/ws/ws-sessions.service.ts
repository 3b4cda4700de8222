import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RawData } from 'ws';
import { Authenticator, type Outcome } from '../auth/authenticator.js';
import { SOCKET_SESSION } from '../auth/session-holder.js';
import { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { EXPIRED, isJsonObject } from '../core/token-rules.js';
import { nowInSeconds } from '../core/validate-token.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings, type WsSettings } from '../options/settings.js';
import { DeadlineQueue } from './deadline-queue.js';
import { CONNECTION, Connection, type GatehouseSocket } from './ws-connection.js';
import { parseFrame, refuse, sendEvent, type Frame } from './ws-frames.js';
import { AUTH_REQUIRED, BAD_MESSAGE, TOO_MANY_CONNECTIONS, TOO_MANY_PENDING, authTimeout } from './ws-protocol.js';

const DISABLED: WsSettings = {
  path: '/ws',
  authTimeoutMs: 5000,
  expiryNoticeSeconds: 30,
  maxPayloadBytes: 65536,
  pingIntervalMs: 30000,
  maxSocketsPerSub: 100,
  maxBufferedBytes: 1048576,
  maxPendingFrames: 32,
};

/**
 * The WebSocket protocol of docs/protocol.md §5 for one socket over its life, apart
 * from the transport: authentication (upgrade header or first frame), refresh, the
 * session_expiring notice, the close at expiry, and the limits of §10 (sockets per
 * sub, frames waiting behind an auth frame). Every token goes to the Authenticator,
 * the same path a guarded REST route takes.
 */
@Injectable()
export class WsSessions {
  readonly settings: WsSettings;
  private readonly enabled: boolean;
  private readonly noticeMs: number;
  private readonly leeway: number;
  private readonly timeoutFailure: AuthFailure;
  private readonly logger = new Logger('WebSocket');
  /** Open authenticated sockets per sub, for maxSocketsPerSub. */
  private readonly socketsPerSub = new Map<string, number>();

  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(AuthEventsService) readonly events: AuthEventsService,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.enabled = settings.ws !== false;
    this.settings = settings.ws === false ? DISABLED : settings.ws;
    this.noticeMs = this.settings.expiryNoticeSeconds * 1000;
    this.leeway = settings.auth.mode === 'custom' ? 0 : settings.auth.clockTolerance;
    this.timeoutFailure = authTimeout(this.settings.authTimeoutMs);
  }

  /** False when the app was configured with `ws: false`: an adapter must not serve sockets. */
  get served(): boolean {
    return this.enabled;
  }

  /** The upgrade's bearer token: a session may open the socket, or a refusal (401/429) is sent. */
  admitUpgrade(token: string, address: string): Outcome | Promise<Outcome> {
    const outcome = this.authenticator.authenticate('ws', token, address);
    return outcome instanceof Promise ? outcome.then((value) => this.withinLimit(value)) : this.withinLimit(outcome);
  }

  /** A new socket; with a session from the upgrade it is authenticated at once. */
  opened(socket: GatehouseSocket, session: Session | undefined, address: string): void {
    const connection = new Connection();
    connection.address = address;
    connection.maxBufferedBytes = this.settings.maxBufferedBytes;
    socket[CONNECTION] = connection;
    this.events.socketOpened();
    if (session) {
      this.start(socket, session);
    } else {
      connection.authTimer = this.authDeadlines.add(Date.now() + this.settings.authTimeoutMs, socket);
    }
  }

  closed(socket: GatehouseSocket): void {
    const session = socket[SOCKET_SESSION];
    this.events.socketClosed(session !== undefined);
    if (session !== undefined) this.release(session.sub);
  }

  /**
   * One frame from the client. Returns the frame when it is for the gateways' handlers
   * (an authenticated socket, an event other than `auth`), undefined when the protocol
   * handled it. Frames after an `auth` frame wait for its outcome, in order; the
   * caller passes `dispatch` for those.
   */
  receive(socket: GatehouseSocket, data: RawData, isBinary: boolean, dispatch: (frame: Frame) => void): void {
    const connection = socket[CONNECTION]!;
    if (connection.closing) return;
    if (connection.pending !== undefined) {
      // Bounded: a client cannot make the server queue frames without end.
      if (connection.pendingFrames >= this.settings.maxPendingFrames) return refuse(socket, TOO_MANY_PENDING);
      connection.pendingFrames += 1;
      return this.enqueue(connection, () => {
        connection.pendingFrames -= 1;
        return this.process(socket, connection, data, isBinary, dispatch);
      });
    }
    const authenticating = this.process(socket, connection, data, isBinary, dispatch);
    if (authenticating) this.enqueue(connection, () => authenticating);
  }

  private enqueue(connection: Connection, task: () => Promise<void> | void): void {
    const run = (connection.pending ?? Promise.resolve()).then(task).catch((error: unknown) => this.logger.error(error));
    connection.pending = run;
    void run.finally(() => {
      if (connection.pending === run) connection.pending = undefined;
    });
  }

  /** One frame; returns a promise only for `auth`, which later frames must wait for. */
  private process(
    socket: GatehouseSocket,
    connection: Connection,
    data: RawData,
    isBinary: boolean,
    dispatch: (frame: Frame) => void,
  ): Promise<void> | void {
    if (connection.closing) return;
    const frame = parseFrame(data, isBinary);
    if (frame === undefined) return refuse(socket, BAD_MESSAGE);
    if (frame.event === 'auth') return this.authenticate(socket, frame.data);
    if (socket[SOCKET_SESSION] === undefined) return refuse(socket, AUTH_REQUIRED);
    dispatch(frame);
  }

  /** An `auth` frame: authenticates a new socket, or refreshes an authenticated one. */
  async authenticate(socket: GatehouseSocket, data: unknown): Promise<void> {
    const connection = socket[CONNECTION]!;
    // The auth frame came in time: a slow check (a key-set refetch) must not turn it into auth_timeout.
    connection.clearAuthTimer();
    const token = isJsonObject(data) && typeof data.token === 'string' && data.token !== '' ? data.token : undefined;
    const current = socket[SOCKET_SESSION];
    let outcome = await this.authenticator.authenticate('ws', token, connection.address, current?.sub);
    if (connection.closing) return;
    if (current === undefined) outcome = this.withinLimit(outcome);
    if (outcome instanceof AuthFailure) return refuse(socket, outcome);
    if (current !== undefined) this.events.refreshed({ sub: outcome.sub });
    this.start(socket, outcome);
  }

  /** Installs (or replaces) the session, answers with the `session` event, arms its timers. */
  private start(socket: GatehouseSocket, session: Session): void {
    const connection = socket[CONNECTION]!;
    if (socket[SOCKET_SESSION] === undefined) {
      this.events.sessionStarted();
      this.socketsPerSub.set(session.sub, (this.socketsPerSub.get(session.sub) ?? 0) + 1);
    }
    connection.clearAuthTimer();
    socket[SOCKET_SESSION] = session;
    // Live until the token would fail §3's exp check (whole seconds, with leeway).
    // checkTimes refuses once now (whole seconds) > exp + leeway; exp may be fractional.
    connection.deadline =
      session.expiresAt === null ? Number.POSITIVE_INFINITY : (Math.floor(session.expiresAt + this.leeway) + 1) * 1000;
    connection.noticeSent = false;
    sendEvent(socket, 'session', session);
    this.armTimers(socket);
  }

  /** A new session for a sub that already holds maxSocketsPerSub sockets is refused. */
  private withinLimit(outcome: Outcome): Outcome {
    if (outcome instanceof AuthFailure) return outcome;
    return (this.socketsPerSub.get(outcome.sub) ?? 0) >= this.settings.maxSocketsPerSub ? TOO_MANY_CONNECTIONS : outcome;
  }

  private release(sub: string): void {
    const count = (this.socketsPerSub.get(sub) ?? 1) - 1;
    if (count > 0) this.socketsPerSub.set(sub, count);
    else this.socketsPerSub.delete(sub);
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
  private readonly authDeadlines = new DeadlineQueue<GatehouseSocket>((socket) => refuse(socket, this.timeoutFailure));
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
