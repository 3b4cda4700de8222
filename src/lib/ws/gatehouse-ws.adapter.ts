import type { IncomingMessage } from 'node:http';
import type { Requirements } from '../authz/requirements.js';
import type { Duplex } from 'node:stream';
import { Logger, type INestApplicationContext, type WsMessageHandler } from '@nestjs/common';
import { AbstractWsAdapter } from '@nestjs/websockets';
import { isObservable } from 'rxjs';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Outcome } from '../auth/authenticator.js';
import { Authenticator } from '../auth/authenticator.js';
import { SHUTTING_DOWN, httpRefusal } from '../auth/refusal-replies.js';
import { AuthFailure } from '../core/auth-failure.js';
import { bearerToken } from '../core/bearer-token.js';
import { rejectUpgrade } from './upgrade-response.js';
import { CONNECTION } from '../auth/session-holder.js';
import { NO_HANDLERS, WsConnection, type GatehouseSocket } from './ws-connection.js';
import { parseFrame, type Frame } from './ws-frames.js';
import { SERVER_SHUTDOWN_CODE, SERVER_SHUTDOWN_REASON, TOO_MANY_UNAUTHENTICATED } from './ws-protocol.js';
import type { OnGatewayAuthenticated } from './gateways.js';
import { WsSessions } from './ws-sessions.service.js';

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
 * Raw WebSocket (`ws`) on the HTTP server's port, at the `ws.path` option (`/ws`), for
 * every gateway: `app.useWebSocketAdapter(new GatehouseWsAdapter(app))`.
 *
 * The transport only: it owns the upgrade (guards only run on messages, so an
 * `Authorization: Bearer` header is checked here, before the socket opens), keepalive,
 * shutdown, and dispatch of frames to the gateways' handlers by event name, without
 * the per-socket rxjs streams of Nest's WsAdapter. What a frame means to the protocol
 * (auth, refresh, timers, limits) is WsSessions' business.
 */
export class GatehouseWsAdapter extends AbstractWsAdapter {
  private readonly logger = new Logger('WebSocket');
  private readonly sessions: WsSessions;
  private readonly addressOf: (request: IncomingMessage) => string;
  private readonly path: string;
  private server: WebSocketServer | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private shuttingDown = false;
  private readonly http: UpgradeSource;
  private closed: Promise<void> | undefined;
  /** Every gateway shares the one server: all of them hear of each session (found at the first socket). */
  private hooks: readonly OnGatewayAuthenticated[] | undefined;
  /** One path serves every gateway: one map of their events' requirements. */
  private requirements: ReadonlyMap<string, Requirements | undefined> | undefined;

  constructor(app: INestApplicationContext) {
    super(app);
    this.http = this.httpServer as UpgradeSource;
    this.sessions = app.get(WsSessions, { strict: false });
    this.addressOf = app.get(Authenticator, { strict: false }).addressOf;
    this.path = normalizePath(this.sessions.settings.path);
  }

  /** Every gateway gets the one server (Nest calls this once per gateway options). */
  create(port: number, options: GatewayOptions = {}): WebSocketServer {
    if (!this.sessions.served) throw new Error('GatehouseWsAdapter is installed but GatehouseModule has ws: false');
    if (port !== 0) throw new Error(`Gatehouse serves WebSockets on the HTTP port: leave the gateway's port unset (got ${port})`);
    if (options.path !== undefined && normalizePath(options.path) !== this.path) {
      throw new Error(`Gatehouse serves WebSockets at ${this.path} (the ws.path option): a gateway cannot listen at ${options.path}`);
    }
    if (this.server) return this.server;
    this.sessions.adapterInUse('GatehouseWsAdapter');
    const server = new WebSocketServer({ noServer: true, maxPayload: this.sessions.settings.maxPayloadBytes });
    server.on('error', (error) => this.logger.error(error));
    this.http.on('upgrade', this.onUpgrade);
    this.pingTimer = setInterval(this.pingAll, this.sessions.settings.pingIntervalMs);
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
    await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
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
      if (normalizePath(request.url?.split('?')[0] ?? '') !== this.path) {
        return rejectUpgrade(socket, {
          status: 404,
          headers: {},
          body: { statusCode: 404, error: 'Not Found', message: `WebSockets are served at ${this.path}` },
        });
      }
      if (this.shuttingDown) return rejectUpgrade(socket, SHUTTING_DOWN);
      const address = this.addressOf(request);
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) {
        // It would open unauthenticated: capped per address (maxPendingPerAddress).
        if (!this.sessions.admitsPending(address)) return rejectUpgrade(socket, httpRefusal(TOO_MANY_UNAUTHENTICATED));
        return this.accept(request, socket, head, undefined, address);
      }
      const decide = (outcome: Outcome): void => {
        if (outcome instanceof AuthFailure) return rejectUpgrade(socket, httpRefusal(outcome));
        this.accept(request, socket, head, outcome, address);
      };
      // Synchronous unless keys must be fetched first: the upgrade completes in this turn.
      const outcome = this.sessions.admitUpgrade(token, address);
      if (outcome instanceof Promise) outcome.then(decide, (error: unknown) => this.failUpgrade(socket, error));
      else decide(outcome);
    } catch (error) {
      this.failUpgrade(socket, error);
    }
  };

  private accept(request: IncomingMessage, socket: Duplex, head: Buffer, session: Outcome | undefined, address: string): void {
    const server = this.server;
    if (this.shuttingDown || !server) return rejectUpgrade(socket, SHUTTING_DOWN);
    try {
      server.handleUpgrade(request, socket, head, (ws: GatehouseSocket) => {
        socket.off('error', ignoreError);
        ws.on('message', this.messageListener);
        ws.on('pong', markAlive);
        ws.on('error', ignoreError); // ws closes the socket itself (1009, 1007, resets)
        ws.on('close', this.closeListener); // emitted once; on() spares once()'s wrapper per socket
        const connection = new WsConnection(ws, this.sessions.settings.maxBufferedBytes);
        connection.hooks = this.hooks ??= this.sessions.authenticatedHooks(() => true);
        connection.requirements = this.requirements ??= this.sessions.requirementsWhere(() => true);
        this.sessions.opened(connection, session instanceof AuthFailure ? undefined : session, address);
        server.emit('connection', ws, request);
      });
    } catch (error) {
      this.failUpgrade(socket, error);
    }
  }

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
      const connection = this[CONNECTION];
      if (!connection) return;
      adapter.sessions.closed(connection);
      connection.handlers = NO_HANDLERS;
    })(this);

  private readonly messageListener = ((adapter: GatehouseWsAdapter) =>
    function (this: GatehouseSocket, data: RawData, isBinary: boolean): void {
      const connection = this[CONNECTION];
      if (!connection || connection.closing) return;
      try {
        adapter.sessions.receive(connection, parseFrame(data, isBinary), (frame) => adapter.dispatch(connection, frame));
      } catch (error) {
        adapter.logger.error(error);
      }
    })(this);

  /** Unknown events after auth are ignored: no handler matches. */
  private dispatch(connection: WsConnection, frame: Frame): void {
    for (const handler of connection.handlers) {
      if (handler.message === frame.event) this.run(connection, handler, frame);
    }
  }

  private run(connection: WsConnection, handler: WsMessageHandler, frame: Frame): void {
    // Nest's wrapped handler runs guards, pipes, interceptors and exception filters;
    // whatever it returns (value, promise, observable) is sent back as one frame per value.
    Promise.resolve()
      .then(() => handler.callback(frame.data, frame.event) as unknown)
      .then((result) => {
        if (isObservable(result)) {
          result.subscribe({ next: (value) => reply(connection, value), error: (error: unknown) => this.logger.error(error) });
        } else {
          reply(connection, result);
        }
      })
      .catch((error: unknown) => this.logger.error(error));
  }

  private failUpgrade(socket: Duplex, error: unknown): void {
    this.logger.error(error);
    socket.destroy();
  }
}

function reply(connection: WsConnection, value: unknown): void {
  if (value !== undefined && value !== null) connection.sendText(JSON.stringify(value));
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
