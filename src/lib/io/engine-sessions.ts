import type { EventEmitter } from 'node:events';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpRefusal, sendHttpRefusal } from '../auth/refusal-replies.js';
import { DeadlineQueue, type Deadline } from '../ws/deadline-queue.js';
import { rejectUpgrade } from '../ws/upgrade-response.js';
import { TOO_MANY_UNAUTHENTICATED } from '../ws/ws-protocol.js';
import type { WsSessions } from '../ws/ws-sessions.service.js';

// Socket.IO below the namespace (docs/protocol.md §10): an Engine.IO session exists
// from its handshake (a polling GET or a WebSocket upgrade), before any namespace, any
// middleware and any token, and Socket.IO keeps it for its connectTimeout (45 s). A
// client without a token could open sessions faster than they time out. Here each one
// counts against its address's cap of unauthenticated connections (the one raw
// sockets count against) from its handshake until a namespace admits it, and one that
// has not authenticated within the auth timeout is closed.

const PENDING = Symbol('gatehouse.enginePending');

/** The parts of an engine.io Socket this reads (engine.io is socket.io's own dependency). */
interface EngineSocket extends EventEmitter {
  readonly request: IncomingMessage;
  close(discard?: boolean): void;
  [PENDING]?: { readonly address: string; readonly deadline: Deadline<EngineSocket> } | null;
}

/** An engine.io request as its middlewares see it: the query is parsed already. */
interface EngineRequest extends IncomingMessage {
  readonly _query?: { readonly sid?: string };
}

interface EngineServer extends EventEmitter {
  use(middleware: (request: EngineRequest, response: ServerResponse | { socket: Duplex }, next: (error?: Error) => void) => void): void;
}

export class EngineSessions {
  // close(true): at once, not at the client's next poll (a polling session would otherwise wait for it).
  private readonly timeouts = new DeadlineQueue<EngineSocket>((socket) => socket.close(true));

  constructor(
    private readonly sessions: WsSessions,
    private readonly addressOf: (request: IncomingMessage) => string,
  ) {}

  /** Watches every Engine.IO session of a Socket.IO server (`server.engine`). */
  install(engine: EventEmitter): void {
    const server = engine as EngineServer;
    // A new session (no sid) from an address at its cap is refused before engine.io makes it: 429.
    server.use((request, response, next) => {
      if (request._query?.sid !== undefined || this.sessions.admitsPending(this.addressOf(request))) return next();
      const refusal = httpRefusal(TOO_MANY_UNAUTHENTICATED);
      if (response instanceof ServerResponse) sendHttpRefusal(response, refusal);
      else rejectUpgrade(response.socket, refusal);
    });
    server.on('connection', this.opened);
  }

  /** A namespace admitted one of the session's sockets: it no longer counts, and stays. */
  authenticated(socket: object): void {
    this.release(socket as EngineSocket);
  }

  private readonly opened = (socket: EngineSocket): void => {
    const address = this.addressOf(socket.request);
    // Past the cap only when handshakes raced past the check above.
    if (!this.sessions.holdPending(address)) return socket.close();
    socket[PENDING] = { address, deadline: this.timeouts.add(Date.now() + this.sessions.settings.authTimeoutMs, socket) };
    socket.once('close', this.closed);
  };

  private readonly closed = ((owner: EngineSessions) =>
    function (this: EngineSocket): void {
      owner.release(this);
    })(this);

  private release(socket: EngineSocket): void {
    const pending = socket[PENDING];
    if (!pending) return;
    socket[PENDING] = null;
    pending.deadline.cancel();
    this.sessions.releasePending(pending.address);
  }
}
