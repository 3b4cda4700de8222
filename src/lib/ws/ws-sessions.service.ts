import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Requirements } from '../authz/requirements.js';
import { HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { GatewayAuthorization } from '../authz/gateway-authorization.js';
import { PolicyFailed } from '../authz/authorize.js';
import { Authenticator, type Outcome } from '../auth/authenticator.js';
import { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { settle, type MaybePromise } from '../core/settle.js';
import { EXPIRED, isJsonObject, validUntil } from '../core/token-rules.js';
import { nowInSeconds } from '../core/validate-token.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings, type WsSettings } from '../options/settings.js';
import { Revocations } from '../revocation/revocations.service.js';
import { DEFAULTS } from '../options/resolve-options.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { Connection } from './connection.js';
import { findGateways, isOnGatewayAuthenticated, type Gateway, type OnGatewayAuthenticated } from './gateways.js';
import type { Frame } from './ws-frames.js';
import {
  AUTH_REQUIRED,
  BAD_MESSAGE,
  FRAMES_TOO_FAST,
  TOO_MANY_CONNECTIONS,
  TOO_MANY_PENDING,
  TOO_MANY_UNAUTHENTICATED,
  authTimeout,
} from './ws-protocol.js';

/** The Gatehouse adapters, as the startup check names them. */
const ADAPTERS = 'GatehouseWsAdapter (raw WebSocket) or GatehouseIoAdapter (Socket.IO)';

/**
 * The WebSocket protocol of docs/protocol.md §5 for one socket over its life, apart
 * from the transport (raw `ws` or Socket.IO: both adapters drive it through their
 * Connection): authentication (handshake or first frame), refresh, the
 * session_expiring notice, the close at expiry, and the limits of §10 (sockets per
 * sub, frames waiting behind an auth frame, frames per second, unauthenticated sockets
 * per address). Every token goes to the Authenticator, the same path a guarded REST
 * route takes. It also tells gateways of each new session (OnGatewayAuthenticated),
 * and stops an app whose gateways would be served by another adapter.
 */
@Injectable()
export class WsSessions implements OnApplicationBootstrap {
  readonly settings: WsSettings;
  private readonly enabled: boolean;
  private readonly noticeMs: number;
  private readonly leeway: number;
  private readonly timeoutFailure: AuthFailure;
  private readonly logger = new Logger('WebSocket');
  /** Open authenticated sockets per sub, for maxSocketsPerSub. */
  private readonly socketsPerSub = new Map<string, number>();
  /** Every authenticated connection, for what must reach live sessions (revocation, key removal). */
  private readonly live = new Set<Connection>();
  /** Unauthenticated sockets (and Engine.IO sessions) per client address, for maxPendingPerAddress. */
  private readonly pendingPerAddress = new Map<string, number>();
  /** Frames per millisecond, and the most a socket may save up (a burst of twice the per-second rate). */
  private readonly frameRate: number;
  private readonly frameBurst: number;
  private gatewayList: readonly Gateway[] | undefined;
  /** Set by a Gatehouse adapter when it serves this app's gateways. */
  private adapter: string | undefined;

  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(AuthEventsService) readonly events: AuthEventsService,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
    @Inject(Revocations) revocations: Revocations,
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
    @Inject(GatewayAuthorization) private readonly authorization: GatewayAuthorization,
  ) {
    // A revocation made on any process closes the sockets it covers, here (docs/protocol.md §11).
    revocations.onRevoked(() => this.revalidateSoon((session) => revocations.check(session)));
    this.enabled = settings.ws !== false;
    // With `ws: false` nothing is served; the defaults only keep the fields defined.
    this.settings = settings.ws === false ? DEFAULTS.ws : settings.ws;
    this.noticeMs = this.settings.expiryNoticeSeconds * 1000;
    this.leeway = settings.auth.mode === 'custom' ? 0 : settings.auth.clockTolerance;
    this.timeoutFailure = authTimeout(this.settings.authTimeoutMs);
    this.frameRate = this.settings.maxFramesPerSecond / 1000;
    this.frameBurst = this.settings.maxFramesPerSecond * 2;
  }

  /** Called by a Gatehouse adapter as it creates its server: the app's gateways are served by Gatehouse. */
  adapterInUse(name: string): void {
    this.adapter = name;
  }

  /**
   * No unauthenticated sockets (docs/protocol.md §14): gateways served by any other
   * adapter (Nest falls back to a plain Socket.IO one) would accept any client without
   * a token, so such an app stops here, before it listens.
   */
  onApplicationBootstrap(): void {
    if (!this.enabled || this.adapter !== undefined || this.http.httpAdapter === undefined) return;
    const gateways = this.gateways();
    if (gateways.length === 0) return;
    const names = gateways.map((gateway) => gateway.instance.constructor.name).join(', ');
    throw new Error(
      `GatehouseModule: the WebSocket gateway(s) ${names} would be served without authentication: ` +
        `install ${ADAPTERS} with app.useWebSocketAdapter(new GatehouseWsAdapter(app)) or ` +
        `app.useWebSocketAdapter(new GatehouseIoAdapter(app)) before app.listen() or app.init(), or set the ws option to false`,
    );
  }

  /** The app's gateways (found once, after they are built). */
  gateways(): readonly Gateway[] {
    this.gatewayList ??= findGateways(this.modules);
    return this.gatewayList;
  }

  /** The gateways `serves` picks that implement OnGatewayAuthenticated: one array, for the adapter to share among sockets. */
  authenticatedHooks(serves: (gateway: Gateway) => boolean): readonly OnGatewayAuthenticated[] {
    return this.gateways()
      .filter((gateway) => serves(gateway) && isOnGatewayAuthenticated(gateway.instance))
      .map((gateway) => gateway.instance as OnGatewayAuthenticated);
  }

  /** Each event's requirements on the gateways whose `namespace` option `serves` accepts: one map, for the adapter to share among sockets. */
  requirementsWhere(serves: (namespace: unknown) => boolean): ReadonlyMap<string, Requirements | undefined> {
    return this.authorization.requirementsWhere(serves);
  }

  /** False when `address` already holds maxPendingPerAddress unauthenticated sockets: refuse one more. */
  admitsPending(address: string): boolean {
    return (this.pendingPerAddress.get(address) ?? 0) < this.settings.maxPendingPerAddress;
  }

  /** One more unauthenticated socket or Engine.IO session from `address`; false (nothing counted) past the cap. */
  holdPending(address: string): boolean {
    const count = this.pendingPerAddress.get(address) ?? 0;
    if (count >= this.settings.maxPendingPerAddress) return false;
    this.pendingPerAddress.set(address, count + 1);
    return true;
  }

  /** It authenticated or closed. */
  releasePending(address: string): void {
    const count = (this.pendingPerAddress.get(address) ?? 1) - 1;
    if (count > 0) this.pendingPerAddress.set(address, count);
    else this.pendingPerAddress.delete(address);
  }

  /** False when the app was configured with `ws: false`: an adapter must not serve sockets. */
  get served(): boolean {
    return this.enabled;
  }

  /**
   * The upgrade's bearer token: a session may open the socket, or a refusal (401/429) is
   * sent. Undefined (Socket.IO, whose handshake must carry one): token_missing.
   */
  admitUpgrade(token: string | undefined, address: string): MaybePromise<Outcome> {
    // The Authenticator never rejects: a failing dependency is its auth_unavailable.
    const outcome = this.authenticator.authenticate('ws', token, address);
    return outcome instanceof Promise ? outcome.then((value) => this.withinLimit(value)) : this.withinLimit(outcome);
  }

  /** A new socket; with a session from the handshake it is authenticated at once. */
  opened(connection: Connection, session: Session | undefined, address: string): void {
    connection.address = address;
    connection.frameAllowance = this.frameBurst;
    connection.frameClock = Date.now();
    this.events.socketOpened();
    if (session) {
      this.start(connection, session);
      return;
    }
    connection.authTimer = this.authDeadlines.add(connection.frameClock + this.settings.authTimeoutMs, connection);
    connection.heldPending = this.holdPending(address);
    // Over the cap (sockets opened at once, past the upgrade's check): refused at once.
    if (!connection.heldPending) connection.refuse(TOO_MANY_UNAUTHENTICATED);
  }

  closed(connection: Connection): void {
    connection.closing = true;
    connection.clearTimers();
    this.unhold(connection);
    const session = connection.session;
    this.events.socketClosed(session !== undefined);
    if (session !== undefined && this.live.delete(connection)) this.release(session.sub);
  }

  /**
   * Closes every live session `check` refuses (error, then the failure's close code):
   * for what makes a session invalid after it started, such as a revoked token.
   * Returns how many were closed.
   */
  revalidate(check: (session: Session) => AuthFailure | undefined): number {
    let closed = 0;
    for (const connection of this.live) {
      const session = connection.session;
      const failure = session === undefined ? undefined : check(session);
      if (failure === undefined) continue;
      connection.refuse(failure);
      closed += 1;
    }
    return closed;
  }

  /**
   * revalidate() for what may close thousands of sockets at once (a key leaving the key
   * set): `check` first runs over every live session in one pass (a lookup each), then
   * the sockets it refused are closed `batch` at a time, one batch per turn of the event
   * loop, each checked again (it may have refreshed meanwhile), so that other clients
   * wait for one batch at most. Resolves with how many were closed.
   */
  async revalidateInBatches(check: (session: Session) => AuthFailure | undefined, batch = 64): Promise<number> {
    const refused = [...this.live].filter((connection) => connection.session !== undefined && check(connection.session) !== undefined);
    let closed = 0;
    for (let start = 0; start < refused.length; start += batch) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const connection of refused.slice(start, start + batch)) {
        const failure = connection.session === undefined || connection.closing ? undefined : check(connection.session);
        if (failure === undefined) continue;
        connection.refuse(failure);
        closed += 1;
      }
    }
    return closed;
  }

  /**
   * revalidateInBatches(), once for every change made in one turn of the event loop: a
   * burst of revocations (a reload of the whole set) walks the live sockets once, not
   * per entry, and a revocation that covers thousands of sockets closes them in batches.
   */
  private revalidateSoon(check: (session: Session) => AuthFailure | undefined): void {
    if (this.revalidation !== undefined) return;
    this.revalidation = setImmediate(() => {
      this.revalidation = undefined;
      void this.revalidateInBatches(check).then((closed) => {
        if (closed > 0)
          this.logger.log({ msg: `${closed} socket(s) closed with 4401: their token was revoked`, event: 'sessions_revoked', closed });
      });
    });
  }

  private revalidation: NodeJS.Immediate | undefined;

  /**
   * One frame from the client (undefined: not a frame of the protocol's shape). `auth`
   * is the protocol's; any other event of an authenticated socket goes to `dispatch`
   * (the gateways' handlers). Frames after an `auth` frame wait for its outcome, in order.
   */
  receive(connection: Connection, frame: Frame | undefined, dispatch: (frame: Frame) => void): void {
    if (connection.closing) return;
    if (!this.allowFrame(connection)) return connection.refuse(FRAMES_TOO_FAST);
    if (connection.pending !== undefined) {
      // Bounded: a client cannot make the server queue frames without end.
      if (connection.pendingFrames >= this.settings.maxPendingFrames) return connection.refuse(TOO_MANY_PENDING);
      connection.pendingFrames += 1;
      return this.enqueue(connection, () => {
        connection.pendingFrames -= 1;
        return this.process(connection, frame, dispatch);
      });
    }
    const authenticating = this.process(connection, frame, dispatch);
    if (authenticating) this.enqueue(connection, () => authenticating);
  }

  /**
   * The frame rate (maxFramesPerSecond): a token bucket per socket, two numbers on its
   * Connection and no timer; it refills with time, up to a burst of twice the rate.
   */
  private allowFrame(connection: Connection): boolean {
    const now = Date.now();
    const allowance = Math.min(this.frameBurst, connection.frameAllowance + (now - connection.frameClock) * this.frameRate);
    connection.frameClock = now;
    connection.frameAllowance = allowance >= 1 ? allowance - 1 : allowance;
    return allowance >= 1;
  }

  private enqueue(connection: Connection, task: () => Promise<void> | void): void {
    const run = (connection.pending ?? Promise.resolve()).then(task).catch((error: unknown) => this.logger.error(error));
    connection.pending = run;
    void run.finally(() => {
      if (connection.pending === run) connection.pending = undefined;
    });
  }

  /** One frame; returns a promise only for an `auth` frame still being checked, which later frames must wait for. */
  private process(connection: Connection, frame: Frame | undefined, dispatch: (frame: Frame) => void): Promise<void> | void {
    if (connection.closing) return;
    if (frame === undefined) return connection.refuse(BAD_MESSAGE);
    if (frame.event === 'auth') return this.authenticate(connection, frame.data);
    if (connection.session === undefined) return connection.refuse(AUTH_REQUIRED);
    // whoami is the protocol's (§5), answered here whatever gateways the app has.
    if (frame.event === 'whoami') return this.whoami(connection, connection.session);
    return this.authorize(connection, connection.session, frame, dispatch);
  }

  /**
   * A gateway handler's requirements (docs/protocol.md §15), judged by the session's
   * token before the handler runs: the same authorize() as REST. Refused: an `error`
   * event naming the event (or the Socket.IO acknowledgement), the socket stays open.
   * A policy that waits makes later frames wait too, so they keep their order.
   */
  private authorize(connection: Connection, session: Session, frame: Frame, dispatch: (frame: Frame) => void): Promise<void> | void {
    const requirements = connection.requirements.get(frame.event);
    if (requirements === undefined) {
      dispatch(frame);
      return;
    }
    const channels: string[] | undefined = requirements.channels.length > 0 ? [] : undefined;
    const decided = settle(
      () => this.authorization.authorize(requirements, session, frame.data, channels),
      (verdict): void => {
        if (connection.closing) return;
        if (verdict !== undefined) {
          if (verdict instanceof PolicyFailed) this.events.unavailable('ws', 'authorization policy', verdict.cause, { sub: session.sub });
          return connection.refuseMessage(verdict, frame);
        }
        if (channels !== undefined) {
          connection.channels ??= new Set();
          for (const channel of channels) connection.channels.add(channel);
        }
        dispatch(frame);
      },
      (error): void => this.logger.error(error),
    );
    return decided instanceof Promise ? decided : undefined;
  }

  /**
   * After a refresh: the channels an @AuthorizeChannel handler allowed under the old
   * token, checked against the new one. A room the new token no longer allows is left,
   * with `channel_revoked` (Socket.IO); raw gateways check their own in handleAuthenticated.
   */
  private recheckChannels(connection: Connection, session: Session): void {
    const channels = connection.channels;
    if (channels === undefined) return;
    for (const channel of channels) {
      if (this.authorization.channelStillAllowed(session, channel)) continue;
      channels.delete(channel);
      if (connection.leaveChannel(channel)) connection.sendEvent('channel_revoked', { channel });
    }
  }

  private whoami(connection: Connection, session: Session): void {
    // As WsSessionGuard: the expiry timer normally closes the socket first.
    if (Date.now() >= connection.deadline) return connection.refuse(EXPIRED);
    connection.sendEvent('session', session);
  }

  /**
   * An `auth` frame: authenticates a new socket, or refreshes an authenticated one.
   * Synchronous when the verifier is (as a REST request is): only a check that waits
   * (a key-set refetch) returns a promise, which the frames after it wait for.
   */
  private authenticate(connection: Connection, data: unknown): Promise<void> | void {
    // The auth frame came in time: a slow check (a key-set refetch) must not turn it into auth_timeout.
    connection.clearAuthTimer();
    const token = isJsonObject(data) && typeof data.token === 'string' && data.token !== '' ? data.token : undefined;
    const current = connection.session;
    // Never rejects: a failing dependency is auth_unavailable (error, close 1011).
    const outcome = this.authenticator.authenticate('ws', token, connection.address, current?.sub);
    if (outcome instanceof Promise) return outcome.then((value) => this.authenticated(connection, current, value));
    this.authenticated(connection, current, outcome);
  }

  private authenticated(connection: Connection, current: Session | undefined, outcome: Outcome): void {
    if (connection.closing) return;
    if (current === undefined) outcome = this.withinLimit(outcome);
    if (outcome instanceof AuthFailure) return connection.refuse(outcome);
    if (current !== undefined) this.events.refreshed({ sub: outcome.sub });
    this.start(connection, outcome);
  }

  /** Installs (or replaces) the session, answers with the `session` event, arms its timers. */
  private start(connection: Connection, session: Session): void {
    if (connection.session === undefined) {
      this.events.sessionStarted();
      this.socketsPerSub.set(session.sub, (this.socketsPerSub.get(session.sub) ?? 0) + 1);
      this.live.add(connection);
      this.unhold(connection);
    }
    connection.clearAuthTimer();
    const refreshed = connection.session !== undefined;
    connection.session = session;
    // Live until the token would fail §3's exp check (the same rule, in ms).
    connection.deadline = session.expiresAt === null ? Number.POSITIVE_INFINITY : validUntil(session.expiresAt, this.leeway) * 1000;
    connection.noticeSent = false;
    connection.sendEvent('session', session);
    if (refreshed) this.recheckChannels(connection, session);
    this.armTimers(connection);
    for (const gateway of connection.hooks) this.announce(gateway, connection, session);
  }

  /** OnGatewayAuthenticated: a hook that throws or rejects is logged; the socket goes on. */
  private announce(gateway: OnGatewayAuthenticated, connection: Connection, session: Session): void {
    void settle(
      () => gateway.handleAuthenticated(connection.client, session),
      () => undefined,
      (error) => this.logger.error(`${gateway.constructor.name}.handleAuthenticated failed: ${String(error)}`, (error as Error)?.stack),
    );
  }

  private unhold(connection: Connection): void {
    if (!connection.heldPending) return;
    connection.heldPending = false;
    this.releasePending(connection.address);
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

  /**
   * One deadline per session at a time: the notice (unless it was sent), then the
   * close at expiry. A time already past fires on the next turn, as setTimeout(fn, 0) would.
   */
  private armTimers(connection: Connection): void {
    connection.clearSessionTimers();
    const expiresAt = connection.session?.expiresAt;
    if (expiresAt === null || expiresAt === undefined || connection.closing) return;
    const at = connection.noticeSent ? connection.deadline : Math.min(expiresAt * 1000 - this.noticeMs, connection.deadline);
    connection.sessionTimer = this.sessionEvents.add(at, connection);
  }

  // One queue (and one timer) per kind for every socket, the connection as the item:
  // no Node timer and no closure per socket.
  private readonly authDeadlines = new DeadlineQueue<Connection>((connection) => connection.refuse(this.timeoutFailure));
  private readonly sessionEvents = new DeadlineQueue<Connection>((connection) => this.sessionEvent(connection));

  private sessionEvent(connection: Connection): void {
    const session = connection.session;
    connection.sessionTimer = undefined;
    if (connection.closing || session?.expiresAt == null) return;
    if (!connection.noticeSent && Date.now() < connection.deadline) {
      connection.noticeSent = true;
      connection.sendEvent('session_expiring', { expiresAt: session.expiresAt, serverTime: nowInSeconds() });
      connection.sessionTimer = this.sessionEvents.add(connection.deadline, connection);
      return;
    }
    this.events.expiryClosed({ sub: session.sub, address: connection.address });
    connection.refuse(EXPIRED);
  }
}
