import type { IncomingMessage } from 'node:http';
import { Logger, type INestApplicationContext, type WsMessageHandler } from '@nestjs/common';
import { Authenticator, type Outcome } from '../auth/authenticator.js';
import type { Requirements } from '../authz/requirements.js';
import { AUTH_UNAVAILABLE, AuthFailure } from '../core/auth-failure.js';
import { CONNECTION } from '../auth/session-holder.js';
import { AUTH_REQUIRED } from '../ws/ws-protocol.js';
import type { Gateway, OnGatewayAuthenticated } from '../ws/gateways.js';
import { WsSessions } from '../ws/ws-sessions.service.js';
import { EngineSessions } from './engine-sessions.js';
import { handshakeToken } from './handshake-token.js';
import { frameOfPacket } from './io-frames.js';
import { IoConnection, NO_HANDLERS, type GatehouseIoSocket } from './io-connection.js';
import { runHandlers } from './io-handlers.js';
import type { IoError, IoNamespace, IoServer, IoServerOptions } from './io-types.js';
import { limitWriteBuffers } from './write-buffer-limit.js';
import { lazyBase, loadOptionalPeer } from '../options/optional-peer.js';

interface NamespaceGateways {
  readonly hooks: readonly OnGatewayAuthenticated[];
  readonly requirements: ReadonlyMap<string, Requirements | undefined>;
}

/** A refused handshake: the client's `connect_error` gets `err.message` and `err.data`. */
function refusalError(failure: AuthFailure): IoError {
  const error: IoError = new Error(failure.message);
  error.data = failure.toJSON();
  return error;
}

/**
 * Whether a gateway's `namespace` option covers a namespace, as socket.io matches it: a
 * name, a RegExp, or a function (its parent namespace made the child).
 */
function servesNamespace(option: unknown, namespace: IoNamespace): boolean {
  if (option === undefined || option === '') return namespace.name === '/';
  if (typeof option === 'string') return namespace.name === (option.startsWith('/') ? option : `/${option}`);
  if (option instanceof RegExp) return new RegExp(option.source, option.flags.replace('g', '').replace('y', '')).test(namespace.name);
  if (typeof option !== 'function') return false;
  const parents = (namespace.server as unknown as { parentNsps?: Map<unknown, { children?: Set<unknown> }> }).parentNsps;
  return parents?.get(option)?.children?.has(namespace) ?? false;
}

/**
 * Socket.IO gateways with Gatehouse's authentication (docs/protocol.md §12):
 * `app.useWebSocketAdapter(new GatehouseIoAdapter(app))`. Nest's IoAdapter, extended:
 *
 * - every namespace gets a middleware that authenticates the handshake (`auth.token`
 *   or `Authorization: Bearer`) through WsSessions, the path raw WebSocket upgrades
 *   take; a refusal is the client's `connect_error` with `data: {reason, message}`;
 * - an admitted socket is a Connection of the protocol: `session` first, then the
 *   notice, refresh by `auth`, expiry and revocation as WsSessions drives them;
 * - every incoming event passes WsSessions.receive before the gateways' handlers
 *   (and any listener of the host app's own) see it.
 *
 * `defaults` are Socket.IO server options for every gateway (a gateway's own win),
 * such as `cors`. Unless set, the payload limit and ping interval follow the `ws` options.
 */
// An optional peer: loaded when the first GatehouseIoAdapter is made, not when the package is imported.
const IoAdapterBase = lazyBase(
  () => loadOptionalPeer<typeof import('@nestjs/platform-socket.io')>('@nestjs/platform-socket.io', 'GatehouseIoAdapter').IoAdapter,
);

export class GatehouseIoAdapter extends IoAdapterBase {
  private readonly sessions: WsSessions;
  private readonly addressOf: (request: IncomingMessage) => string;
  private readonly log = new Logger('WebSocket');
  private readonly installed = new WeakSet<IoNamespace>();
  /** Per namespace, what its gateways are to its sockets (shared by them): who hears of each session, what each event requires. */
  private readonly gatewaysOf = new WeakMap<IoNamespace, NamespaceGateways>();
  private readonly engineSessions: EngineSessions;

  constructor(
    app: INestApplicationContext,
    private readonly defaults: Partial<IoServerOptions> = {},
  ) {
    super(app);
    this.sessions = app.get(WsSessions, { strict: false });
    this.addressOf = app.get(Authenticator, { strict: false }).addressOf;
    this.engineSessions = new EngineSessions(this.sessions, this.addressOf);
  }

  createIOServer(port: number, options?: IoServerOptions): IoServer {
    if (!this.sessions.served) throw new Error('GatehouseIoAdapter is installed but GatehouseModule has ws: false');
    const settings = this.sessions.settings;
    const merged: Partial<IoServerOptions> = {
      maxHttpBufferSize: settings.maxPayloadBytes,
      pingInterval: settings.pingIntervalMs,
      ...this.defaults,
      ...options,
    };
    if (merged.connectionStateRecovery?.skipMiddlewares) {
      throw new Error('GatehouseIoAdapter: connectionStateRecovery.skipMiddlewares would let recovered sockets skip authentication');
    }
    this.sessions.adapterInUse('GatehouseIoAdapter');
    // socket.io fills in what is left out (its constructor takes a Partial).
    const server = super.createIOServer(port, merged as IoServerOptions);
    this.engineSessions.install(server.engine);
    // The main namespace exists already; every other one (a gateway's `namespace`,
    // server.of() in user code, dynamic children) is announced as it is created.
    this.install(server.sockets);
    server.on('new_namespace', (namespace) => this.install(namespace));
    limitWriteBuffers(server.engine, settings.maxBufferedBytes, this.slowConsumer);
    return server;
  }

  /** Nest hands over each gateway's handlers bound to this socket; they are run by event name (io-handlers.ts). */
  bindMessageHandlers(socket: GatehouseIoSocket, handlers: WsMessageHandler[]): void {
    const connection = socket[CONNECTION];
    if (!connection || !socket.connected) return;
    // One gateway (the usual case): keep Nest's array rather than a copy per socket.
    connection.handlers = connection.handlers.length === 0 ? handlers : [...connection.handlers, ...handlers];
  }

  private install(namespace: IoNamespace): void {
    if (this.installed.has(namespace)) return;
    this.installed.add(namespace);
    namespace.use(this.admit);
    // Before the gateways' own connection handlers: they run with the session in place.
    namespace.on('connection', this.onConnection);
  }

  /** The handshake: a session (the socket may connect) or a refusal (connect_error). */
  private readonly admit = (socket: GatehouseIoSocket, next: (error?: IoError) => void): void => {
    const decide = (outcome: Outcome): void => {
      if (outcome instanceof AuthFailure) return next(refusalError(outcome));
      const connection = new IoConnection(socket);
      connection.admitted = outcome;
      connection.address = address;
      const gateways = this.gatewaysFor(socket.nsp);
      connection.hooks = gateways.hooks;
      connection.requirements = gateways.requirements;
      this.engineSessions.authenticated(socket.conn);
      next();
    };
    // Not a dependency (the Authenticator answers those): a bug here still refuses in the protocol's terms.
    const fail = (error: unknown): void => {
      this.log.error(error);
      next(refusalError(AUTH_UNAVAILABLE));
    };
    let address = '';
    try {
      address = this.addressOf(socket.request);
      // Synchronous unless keys must be fetched first.
      const outcome = this.sessions.admitUpgrade(handshakeToken(socket.handshake), address);
      if (outcome instanceof Promise) outcome.then(decide, fail);
      else decide(outcome);
    } catch (error) {
      fail(error);
    }
  };

  private gatewaysFor(namespace: IoNamespace): NamespaceGateways {
    let gateways = this.gatewaysOf.get(namespace);
    if (gateways === undefined) {
      gateways = {
        hooks: this.sessions.authenticatedHooks((gateway: Gateway) => servesNamespace(gateway.options.namespace, namespace)),
        requirements: this.sessions.requirementsWhere((option) => servesNamespace(option, namespace)),
      };
      this.gatewaysOf.set(namespace, gateways);
    }
    return gateways;
  }

  private readonly onConnection = (socket: GatehouseIoSocket): void => {
    const connection = socket[CONNECTION];
    if (connection?.admitted === undefined) {
      // Only a socket that skipped the middleware gets here: it is never served.
      return new IoConnection(socket).refuse(AUTH_REQUIRED);
    }
    const session = connection.admitted;
    connection.admitted = undefined;
    socket.on('disconnect', this.onDisconnect);
    // Every event passes the protocol first (auth frames, refresh ordering, limits);
    // only what it dispatches reaches the gateways' handlers.
    socket.use((packet, next) => {
      try {
        this.sessions.receive(connection, frameOfPacket(packet), () => {
          runHandlers(socket, connection.handlers, packet, this.payloadOf, this.logError);
          next(); // the host app's own listeners (socket.on in handleConnection)
        });
      } catch (error) {
        this.log.error(error);
      }
    });
    this.sessions.opened(connection, session, connection.address);
  };

  // One listener for every socket: `this` is the socket.
  private readonly onDisconnect = ((adapter: GatehouseIoAdapter) =>
    function (this: GatehouseIoSocket): void {
      const connection = this[CONNECTION];
      if (!connection) return;
      adapter.sessions.closed(connection);
      connection.handlers = NO_HANDLERS;
    })(this);

  private readonly payloadOf = (payload: unknown) => this.mapPayload(payload);
  private readonly logError = (error: unknown): void => this.log.error(error);

  private readonly slowConsumer = (): void => {
    this.log.warn('a Socket.IO client stopped reading: dropped (slow_consumer, WS_MAX_BUFFERED_BYTES)');
  };
}
