import type { WsMessageHandler } from '@nestjs/common';
import { WebSocket } from 'ws';
import { CONNECTION } from '../auth/session-holder.js';
import { Connection, type ConnectionHolder } from './connection.js';
import { FRAMES_TOO_FAST, SLOW_CONSUMER, closeCodeFor, closeCodeOf } from './ws-protocol.js';

const FRAMES_TOO_FAST_CODE = closeCodeOf(FRAMES_TOO_FAST);
/** How long a socket closed for flooding may take to read its close frame before it is dropped. */
const FLOOD_GRACE_MS = 1000;

function terminate(socket: WebSocket): void {
  socket.terminate();
}

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

  get client(): GatehouseSocket {
    return this.socket;
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
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.close(code, reason);
    if (code === FRAMES_TOO_FAST_CODE && reason === FRAMES_TOO_FAST.reason) {
      // A flooding client need not be read any further, nor waited for: its frames stay
      // in the kernel (backpressure on the sender), and it is dropped once our close frame is out.
      this.socket.pause();
      setTimeout(terminate, FLOOD_GRACE_MS, this.socket).unref();
    }
  }
}
