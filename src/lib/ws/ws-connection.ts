import type { WsMessageHandler } from '@nestjs/common';
import type { WebSocket } from 'ws';
import type { Session } from '../core/session.js';
import { SOCKET_SESSION } from '../auth/session-holder.js';
import type { Deadline } from './deadline-queue.js';

export const CONNECTION = Symbol('gatehouse.ws.connection');

/** Shared by every socket that has no handlers yet, or none any more. */
export const NO_HANDLERS: readonly WsMessageHandler[] = Object.freeze([]);

/**
 * What Gatehouse keeps per socket: one plain object with its deadlines and flags, no
 * per-socket streams, closures or Node timers, so that many idle sockets stay cheap.
 */
export class Connection {
  /** Cancelled once the socket authenticates; fires auth_timeout otherwise. */
  authTimer: Deadline<GatehouseSocket> | undefined;
  noticeTimer: Deadline<GatehouseSocket> | undefined;
  expiryTimer: Deadline<GatehouseSocket> | undefined;
  noticeSent = false;
  /** Epoch ms from which the session's token no longer passes validation. */
  deadline = Number.POSITIVE_INFINITY;
  /** The client address failed authentications are counted against (TRUST_PROXY applied). */
  address = '';
  /** Answered the last ping (keepalive). */
  alive = true;
  /** A refusal or close is under way: later frames are ignored. */
  closing = false;
  /** An auth frame is being verified: frames after it wait, so they see its outcome. */
  pending: Promise<void> | undefined;
  /** Frames waiting behind `pending` (at most maxPendingFrames). */
  pendingFrames = 0;
  /** Past this many bytes waiting to be sent, the socket is closed: slow_consumer. */
  maxBufferedBytes = Number.POSITIVE_INFINITY;
  /** Message handlers of every gateway, as Nest binds them to this socket (Nest's own array when one gateway). */
  handlers: readonly WsMessageHandler[] = NO_HANDLERS;

  clearSessionTimers(): void {
    this.noticeTimer?.cancel();
    this.expiryTimer?.cancel();
    this.noticeTimer = this.expiryTimer = undefined;
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

export interface GatehouseSocket extends WebSocket {
  [CONNECTION]?: Connection;
  [SOCKET_SESSION]?: Session;
}
