import type { WsMessageHandler } from '@nestjs/common';
import type { WebSocket } from 'ws';
import type { Session } from '../auth/session.js';
import { SOCKET_SESSION } from '../auth/session-holder.js';

export const CONNECTION = Symbol('gatehouse.ws.connection');

/**
 * What Gatehouse keeps per socket: one plain object with the timers and flags, no
 * per-socket streams or closures, so that many idle sockets stay cheap.
 */
export class Connection {
  /** Cleared once the socket authenticates; fires auth_timeout otherwise. */
  authTimer: NodeJS.Timeout | undefined;
  noticeTimer: NodeJS.Timeout | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  noticeSent = false;
  /** Epoch ms from which the session's token no longer passes validation. */
  deadline = Number.POSITIVE_INFINITY;
  /** Answered the last ping (keepalive). */
  alive = true;
  /** A refusal or close is under way: later frames are ignored. */
  closing = false;
  /** An auth frame is being verified: frames after it wait, so they see its outcome. */
  pending: Promise<void> | undefined;
  /** Message handlers of every gateway, as Nest binds them to this socket. */
  readonly handlers: WsMessageHandler[] = [];

  clearSessionTimers(): void {
    clearTimeout(this.noticeTimer);
    clearTimeout(this.expiryTimer);
    this.noticeTimer = this.expiryTimer = undefined;
  }

  clearTimers(): void {
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.clearSessionTimers();
  }
}

export interface GatehouseSocket extends WebSocket {
  [CONNECTION]?: Connection;
  [SOCKET_SESSION]?: Session;
}
