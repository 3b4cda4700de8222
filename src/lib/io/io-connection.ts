import type { WsMessageHandler } from '@nestjs/common';
import type { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import type { Frame } from '../ws/ws-frames.js';
import { CONNECTION } from '../auth/session-holder.js';
import { Connection, type ConnectionHolder } from '../ws/connection.js';
import type { IoSocket } from './io-types.js';

/** Shared by every socket that has no handlers yet, or none any more. */
export const NO_HANDLERS: readonly WsMessageHandler[] = Object.freeze([]);

export interface GatehouseIoSocket extends IoSocket, ConnectionHolder {
  [CONNECTION]?: IoConnection;
}

/**
 * A Socket.IO socket's Connection (one per namespace a client joins): events are
 * Socket.IO events, and a refusal ends with a server disconnect. The protocol itself
 * (WsSessions) is the raw WebSocket one.
 */
export class IoConnection extends Connection {
  /** The handshake's session, from the admission middleware until the socket connects. */
  admitted: Session | undefined;
  /** Message handlers of the namespace's gateways, as Nest binds them to this socket (Nest's own array when one gateway). */
  handlers: readonly WsMessageHandler[] = NO_HANDLERS;

  constructor(readonly socket: GatehouseIoSocket) {
    super(socket);
  }

  get client(): GatehouseIoSocket {
    return this.socket;
  }

  override leaveChannel(channel: string): boolean {
    if (!this.socket.rooms.has(channel)) return false;
    void this.socket.leave(channel);
    return true;
  }

  /** A client that asked for an acknowledgement gets the refusal there (docs/protocol.md §15), else the `error` event. */
  override refuseMessage(failure: AuthFailure, frame: Frame): void {
    if (frame.ack === undefined) return super.refuseMessage(failure, frame);
    frame.ack({ error: failure.toJSON() });
  }

  sendEvent(event: string, data: unknown): void {
    if (this.socket.connected) this.socket.emit(event, data);
  }

  /**
   * Socket.IO has no close codes: the `error` event sent just before says why. The
   * error packet is queued ahead of the disconnect and the engine closes the transport
   * only once its write buffer is flushed, so the client reads `error`, then
   * `disconnect` ("io server disconnect": the client does not reconnect on its own).
   * `true` closes the underlying connection, not only this namespace: its resources go.
   */
  protected end(): void {
    if (this.socket.connected) this.socket.disconnect(true);
  }
}
