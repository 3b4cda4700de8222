import type { WsMessageHandler } from '@nestjs/common';
import { WebSocket } from 'ws';
import { CONNECTION } from '../auth/session-holder.js';
import { Connection, type ConnectionHolder } from './connection.js';
import { SLOW_CONSUMER, closeCodeFor } from './ws-protocol.js';

/** Shared by every socket that has no handlers yet, or none any more. */
export const NO_HANDLERS: readonly WsMessageHandler[] = Object.freeze([]);

export interface GatehouseSocket extends WebSocket, ConnectionHolder {
  [CONNECTION]?: WsConnection;
}

/** A raw `ws` socket's Connection: JSON text frames, close codes, keepalive, handlers. */
export class WsConnection extends Connection {
  /** Answered the last ping (keepalive). */
  alive = true;
  /** Message handlers of every gateway, as Nest binds them to this socket (Nest's own array when one gateway). */
  handlers: readonly WsMessageHandler[] = NO_HANDLERS;

  constructor(
    readonly socket: GatehouseSocket,
    /** Past this many bytes waiting to be sent, the socket is closed: slow_consumer. */
    private readonly maxBufferedBytes: number,
  ) {
    super(socket);
  }

  sendEvent(event: string, data: unknown): void {
    this.sendText(JSON.stringify({ event, data }));
  }

  /**
   * Sends one frame, unless the client has stopped reading: past maxBufferedBytes
   * waiting to be sent, the socket is closed (1008 slow_consumer) instead, so one slow
   * reader cannot make the server hold unbounded memory.
   */
  sendText(text: string): void {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount + text.length > this.maxBufferedBytes) {
      if (this.closing) return;
      this.closing = true;
      this.clearTimers();
      socket.close(closeCodeFor(SLOW_CONSUMER.reason), SLOW_CONSUMER.reason);
      return;
    }
    socket.send(text);
  }

  protected end(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
  }
}
