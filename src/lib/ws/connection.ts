import { CONNECTION, type SessionHolder } from '../auth/session-holder.js';
import type { Requirements } from '../authz/requirements.js';
import type { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import type { Deadline } from './deadline-queue.js';
import type { OnGatewayAuthenticated } from './gateways.js';
import type { Frame } from './ws-frames.js';
import { closeCodeOf } from './ws-protocol.js';

const NO_HOOKS: readonly OnGatewayAuthenticated[] = Object.freeze([]);
const NO_REQUIREMENTS: ReadonlyMap<string, Requirements | undefined> = new Map();

/** A transport's socket as handlers see it (Nest's `client`): its session and its Connection. */
export interface ConnectionHolder extends SessionHolder {
  [CONNECTION]?: Connection;
}

/**
 * What Gatehouse keeps per socket, whatever the transport (raw `ws`, Socket.IO): one
 * plain object with its deadlines and flags, no per-socket streams, closures or Node
 * timers, so that many idle sockets stay cheap. The protocol (WsSessions) works on it;
 * each transport says only how an event is sent and how the socket is ended.
 */
export abstract class Connection {
  /** Cancelled once the socket authenticates; fires auth_timeout otherwise. */
  authTimer: Deadline<Connection> | undefined;
  /** The session's next event: the session_expiring notice, then the close at expiry. */
  sessionTimer: Deadline<Connection> | undefined;
  noticeSent = false;
  /** Epoch ms from which the session's token no longer passes validation. */
  deadline = Number.POSITIVE_INFINITY;
  /** The client address failed authentications are counted against (trustProxy applied). */
  address = '';
  /** A refusal or close is under way: later frames are ignored. */
  closing = false;
  /** An auth frame is being verified: frames after it wait, so they see its outcome. */
  pending: Promise<void> | undefined;
  /** Frames waiting behind `pending` (at most maxPendingFrames). */
  pendingFrames = 0;
  /** Counted among its address's unauthenticated connections (maxPendingPerAddress) until it authenticates or closes. */
  heldPending = false;
  /** The frame-rate token bucket (maxFramesPerSecond): frames it may still send, as of `frameClock` (ms). */
  frameAllowance = -1;
  frameClock = 0;
  /**
   * Channels an @AuthorizeChannel handler let this socket use (docs/protocol.md §15):
   * checked again when the session changes. Undefined until the first one.
   */
  channels: Set<string> | undefined;
  /** The gateways told of each new session (OnGatewayAuthenticated): one array shared by the sockets of a path or namespace. */
  hooks: readonly OnGatewayAuthenticated[] = NO_HOOKS;
  /** Each event's requirements on this socket's gateways (docs/protocol.md §15): one map shared by the sockets of a path or namespace. */
  requirements: ReadonlyMap<string, Requirements | undefined> = NO_REQUIREMENTS;

  constructor(holder: ConnectionHolder) {
    holder[CONNECTION] = this;
  }

  /** The live session, where @CurrentSession() and WsSessionGuard read it. */
  session: Session | undefined = undefined;

  /** The socket as gateways receive it (raw `ws`, or Socket.IO's). */
  abstract readonly client: object;

  /** Leaves a channel's room, if the transport has rooms and the socket is in it: true when it left. */
  leaveChannel(_channel: string): boolean {
    return false;
  }

  /**
   * A message its handler may not run for (docs/protocol.md §15): the socket stays open
   * and the client gets an `error` event naming the refused event.
   */
  refuseMessage(failure: AuthFailure, frame: Frame): void {
    this.sendEvent('error', { ...failure.toJSON(), refused: frame.event });
  }

  /** Sends one event to the client, if it is still open. */
  abstract sendEvent(event: string, data: unknown): void;

  /** Ends the socket: a close code and reason (raw WebSocket), a disconnect (Socket.IO). */
  protected abstract end(code: number, reason: string): void;

  /** A refusal (docs/protocol.md §5): an `error` event, then the close whose reason is the same code. */
  refuse(failure: AuthFailure): void {
    if (this.closing) return;
    this.clearTimers();
    this.sendEvent('error', failure.toJSON());
    this.closing = true;
    this.end(closeCodeOf(failure), failure.reason);
  }

  clearSessionTimers(): void {
    this.sessionTimer?.cancel();
    this.sessionTimer = undefined;
  }

  clearAuthTimer(): void {
    this.authTimer?.cancel();
    this.authTimer = undefined;
  }

  clearTimers(): void {
    this.clearAuthTimer();
    this.clearSessionTimers();
  }
}
