import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger, type INestApplicationContext, type WsMessageHandler } from '@nestjs/common';
import { AbstractWsAdapter } from '@nestjs/websockets';
import { isObservable } from 'rxjs';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { AuthFailure } from '../auth/auth-failure.js';
import { bearerToken } from '../auth/bearer-token.js';
import type { Session } from '../auth/session.js';
import type { ValidationResult } from '../auth/validate-token.js';
import { SOCKET_SESSION } from '../auth/session-holder.js';
import { gatehouseConfig, type GatehouseConfiguration } from '../config/gatehouse.config.js';
import { rejectUnauthorized, rejectUpgrade } from './upgrade-response.js';
import { DeadlineQueue } from './deadline-queue.js';
import { CONNECTION, Connection, NO_HANDLERS, type GatehouseSocket } from './ws-connection.js';
import { parseFrame, refuse, type Frame } from './ws-frames.js';
import {
  AUTH_REQUIRED,
  BAD_MESSAGE,
  SERVER_SHUTDOWN_CODE,
  SERVER_SHUTDOWN_REASON,
  WS_PATH,
  authTimeout,
} from './ws-protocol.js';
import { WsSessionService } from './ws-session.service.js';
import { AuthAttempts } from '../limits/auth-attempts.service.js';
import { clientAddressOf } from '../limits/client-address.js';
import { refuseUpgrade } from '../limits/upgrade-refusal.js';

/** How long shutdown waits for clients to answer the 1001 close before dropping them. */
const SHUTDOWN_GRACE_MS = 3000;

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

interface UpgradeSource {
  on(event: 'upgrade', listener: UpgradeListener): void;
  off(event: 'upgrade', listener: UpgradeListener): void;
}

interface GatewayOptions {
  readonly path?: string;
}

/**
 * Raw WebSocket (`ws`) on the HTTP server's port, at /ws, for every gateway.
 *
 * It owns the upgrade, so that an `Authorization: Bearer` header is checked before
 * the socket opens (guards only run on messages), and it runs the contract's
 * protocol: first-frame `auth`, refusals, keepalive, shutdown. Frames are parsed once
 * and dispatched to the gateways' handlers by event name, without the per-socket
 * rxjs streams of Nest's WsAdapter.
 */
export class GatehouseWsAdapter extends AbstractWsAdapter {
  private readonly logger = new Logger('WebSocket');
  private readonly sessions: WsSessionService;
  private readonly settings: GatehouseConfiguration['ws'];
  private readonly attempts: AuthAttempts;
  private readonly addressOf: (request: IncomingMessage) => string;
  private readonly timeoutFailure: AuthFailure;
  private server: WebSocketServer | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private readonly http: UpgradeSource;
  private closed: Promise<void> | undefined;

  constructor(app: INestApplicationContext) {
    super(app);
    this.http = this.httpServer as UpgradeSource;
    this.sessions = app.get(WsSessionService, { strict: false });
    this.attempts = this.sessions.attempts;
    const config = app.get<GatehouseConfiguration>(gatehouseConfig.KEY, { strict: false });
    this.settings = config.ws;
    this.addressOf = clientAddressOf(config.http.trustProxy);
    this.timeoutFailure = authTimeout(this.settings.authTimeoutMs);
  }

  /** Every gateway gets the one server at /ws (Nest calls this once per gateway options). */
  create(port: number, options: GatewayOptions = {}): WebSocketServer {
    if (port !== 0) throw new Error(`Gatehouse serves WebSockets on the HTTP port: leave the gateway's port unset (got ${port})`);
    if (options.path !== undefined && normalizePath(options.path) !== WS_PATH) {
      throw new Error(`Gatehouse serves WebSockets at ${WS_PATH}: a gateway cannot listen at ${options.path}`);
    }
    if (this.server) return this.server;
    const server = new WebSocketServer({ noServer: true, maxPayload: this.settings.maxPayloadBytes });
    server.on('error', (error) => this.logger.error(error));
    this.http.on('upgrade', this.onUpgrade);
    this.pingTimer = setInterval(this.pingAll, this.settings.pingIntervalMs);
    this.pingTimer.unref();
    this.server = server;
    return server;
  }

  bindClientConnect(server: WebSocketServer, callback: (socket: GatehouseSocket, request: IncomingMessage) => void): void {
    server.on('connection', callback);
  }

  /** Nest hands over each gateway's handlers bound to this socket; dispatch is by event name. */
  bindMessageHandlers(socket: GatehouseSocket, handlers: WsMessageHandler[]): void {
    const connection = socket[CONNECTION];
    if (!connection) return;
    // One gateway (the usual case): keep Nest's array rather than a copy per socket.
    connection.handlers = connection.handlers.length === 0 ? handlers : [...connection.handlers, ...handlers];
  }

  bindClientDisconnect(socket: GatehouseSocket, callback: () => void): void {
    // 'close' is emitted once; on() spares the wrapper once() allocates per socket.
    socket.on('close', callback);
  }

  /**
   * Shutdown (app.close(), SIGTERM, SIGINT): refuse new upgrades, close every socket
   * with 1001 server_shutdown, drop those that do not answer within the grace period.
   */
  close(server: WebSocketServer): Promise<void> {
    this.closed ??= this.shutdown(server);
    return this.closed;
  }

  async dispose(): Promise<void> {
    this.http.off('upgrade', this.onUpgrade);
  }

  private async shutdown(server: WebSocketServer): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.pingTimer);
    const closed = [...(server.clients as Set<GatehouseSocket>)].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          const connection = socket[CONNECTION];
          if (connection) {
            connection.closing = true;
            connection.clearTimers();
          }
          if (socket.readyState === WebSocket.OPEN) socket.close(SERVER_SHUTDOWN_CODE, SERVER_SHUTDOWN_REASON);
        }),
    );
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS))),
    ]);
    clearTimeout(grace);
    for (const socket of server.clients) socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // Arrow properties: one listener shared by every request and socket.
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A client that resets mid-handshake must not crash the process; ws adds its own
    // handler once it takes the socket over.
    socket.on('error', ignoreError);
    try {
      if (normalizePath(request.url?.split('?')[0] ?? '') !== WS_PATH) {
        return rejectUpgrade(socket, 404, { statusCode: 404, error: 'Not Found', message: `WebSockets are served at ${WS_PATH}` });
      }
      if (this.shuttingDown) return this.rejectShuttingDown(socket);
      const address = this.addressOf(request);
      // An address over the failed-authentication limit is refused like REST: 429.
      const retryAfter = this.attempts.refusal('ws', address);
      if (retryAfter > 0) return refuseUpgrade(socket, retryAfter);
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) return this.accept(request, socket, head, undefined, address);
      const decide = (result: ValidationResult): void => {
        if (result instanceof AuthFailure) {
          this.attempts.failed('ws', address, result);
          return rejectUnauthorized(socket, result);
        }
        this.attempts.succeeded('ws', address, result.sub);
        this.accept(request, socket, head, result, address);
      };
      // Synchronous unless keys must be fetched first: the upgrade completes in this turn.
      const result = this.sessions.verifyNow(token);
      if (result instanceof Promise) result.then(decide, (error: unknown) => this.failUpgrade(socket, error));
      else decide(result);
    } catch (error) {
      this.failUpgrade(socket, error);
    }
  };

  private accept(request: IncomingMessage, socket: Duplex, head: Buffer, session: Session | undefined, address: string): void {
    const server = this.server;
    if (this.shuttingDown || !server) return this.rejectShuttingDown(socket);
    try {
      server.handleUpgrade(request, socket, head, (ws: GatehouseSocket) => {
        socket.off('error', ignoreError);
        this.setUp(ws, session, address);
        server.emit('connection', ws, request);
      });
    } catch (error) {
      this.failUpgrade(socket, error);
    }
  }

  /** Listeners and state of a new socket; with a header session it is authenticated at once. */
  private setUp(ws: GatehouseSocket, session: Session | undefined, address: string): void {
    const connection = new Connection();
    connection.address = address;
    ws[CONNECTION] = connection;
    this.sessions.events.socketOpened();
    ws.on('message', this.messageListener);
    ws.on('pong', markAlive);
    ws.on('error', ignoreError); // ws closes the socket itself (1009, 1007, resets)
    ws.on('close', this.closeListener); // emitted once; on() spares once()'s wrapper per socket
    if (session) {
      this.sessions.start(ws, session); // first frame: the `session` event
    } else {
      connection.authTimer = this.authDeadlines.add(Date.now() + this.settings.authTimeoutMs, ws);
    }
  }

  /** Sockets still waiting for their auth frame, by the time they run out: one timer for all. */
  private readonly authDeadlines = new DeadlineQueue<GatehouseSocket>((ws) => refuse(ws, this.timeoutFailure));

  private readonly pingAll = (): void => {
    for (const ws of (this.server?.clients ?? []) as Set<GatehouseSocket>) {
      const connection = ws[CONNECTION];
      if (!connection) continue;
      if (!connection.alive) {
        ws.terminate(); // missed the last ping: a dead peer
        continue;
      }
      connection.alive = false;
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }
  };

  private readonly closeListener = ((adapter: GatehouseWsAdapter) =>
    function (this: GatehouseSocket): void {
      adapter.sessions.events.socketClosed(this[SOCKET_SESSION] !== undefined);
      forgetSocket(this);
    })(this);

  private readonly messageListener = ((adapter: GatehouseWsAdapter) =>
    function (this: GatehouseSocket, data: RawData, isBinary: boolean): void {
      adapter.onMessage(this, data, isBinary);
    })(this);

  private onMessage(ws: GatehouseSocket, data: RawData, isBinary: boolean): void {
    const connection = ws[CONNECTION]!;
    if (connection.closing) return;
    // Frames that follow an auth frame wait for its outcome, in order.
    if (connection.pending) return this.enqueue(connection, () => this.process(ws, connection, data, isBinary));
    try {
      const authenticating = this.process(ws, connection, data, isBinary);
      if (authenticating) this.enqueue(connection, () => authenticating);
    } catch (error) {
      this.logger.error(error);
    }
  }

  private enqueue(connection: Connection, task: () => Promise<void> | void): void {
    const run = (connection.pending ?? Promise.resolve()).then(task).catch((error: unknown) => this.logger.error(error));
    connection.pending = run;
    void run.finally(() => {
      if (connection.pending === run) connection.pending = undefined;
    });
  }

  /** One frame; returns a promise only for `auth`, which later frames must wait for. */
  private process(ws: GatehouseSocket, connection: Connection, data: RawData, isBinary: boolean): Promise<void> | void {
    if (connection.closing) return;
    const frame = parseFrame(data, isBinary);
    if (frame === undefined) return refuse(ws, BAD_MESSAGE);
    if (frame.event === 'auth') return this.sessions.authenticate(ws, frame.data);
    if (ws[SOCKET_SESSION] === undefined) return refuse(ws, AUTH_REQUIRED);
    // Unknown events after auth are ignored (no handler matches).
    for (const handler of connection.handlers) {
      if (handler.message === frame.event) this.dispatch(ws, handler, frame);
    }
  }

  private dispatch(ws: GatehouseSocket, handler: WsMessageHandler, frame: Frame): void {
    // Nest's wrapped handler runs guards, pipes, interceptors and exception filters;
    // whatever it returns (value, promise, observable) is sent back as one frame per value.
    Promise.resolve()
      .then(() => handler.callback(frame.data, frame.event) as unknown)
      .then((result) => {
        if (isObservable(result)) {
          result.subscribe({ next: (value) => reply(ws, value), error: (error: unknown) => this.logger.error(error) });
        } else {
          reply(ws, result);
        }
      })
      .catch((error: unknown) => this.logger.error(error));
  }

  private rejectShuttingDown(socket: Duplex): void {
    rejectUpgrade(socket, 503, { statusCode: 503, error: 'Service Unavailable', message: 'Server is shutting down' });
  }

  private failUpgrade(socket: Duplex, error: unknown): void {
    this.logger.error(error);
    socket.destroy();
  }
}

function reply(ws: WebSocket, value: unknown): void {
  if (value !== undefined && value !== null && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(value));
}

/** The path with one leading slash and no trailing ones. A loop, not /\/+$/: that regex is quadratic on a long run of slashes. */
function normalizePath(path: string): string {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  let end = withSlash.length;
  while (end > 1 && withSlash.charCodeAt(end - 1) === 0x2f) end--;
  return end === withSlash.length ? withSlash : withSlash.slice(0, end);
}

function ignoreError(): void {}

function markAlive(this: GatehouseSocket): void {
  const connection = this[CONNECTION];
  if (connection) connection.alive = true;
}

function forgetSocket(socket: GatehouseSocket): void {
  const connection = socket[CONNECTION];
  if (!connection) return;
  connection.closing = true;
  connection.clearTimers();
  connection.handlers = NO_HANDLERS;
}
