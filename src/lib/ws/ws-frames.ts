import { WebSocket, type RawData } from 'ws';
import type { AuthFailure } from '../core/auth-failure.js';
import { isJsonObject } from '../core/token-rules.js';
import { CONNECTION, type GatehouseSocket } from './ws-connection.js';
import { SLOW_CONSUMER, closeCodeFor } from './ws-protocol.js';

export interface Frame {
  readonly event: string;
  readonly data: unknown;
}

/**
 * A client frame, or undefined when it is not JSON text of the shape
 * {"event": "<non-empty string>", "data": <any>}. `data` may be left out (whoami).
 */
export function parseFrame(raw: RawData, isBinary: boolean): Frame | undefined {
  if (isBinary) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Array.isArray(raw) ? Buffer.concat(raw).toString('utf8') : raw.toString());
  } catch {
    return undefined;
  }
  if (!isJsonObject(value) || typeof value.event !== 'string' || value.event === '') return undefined;
  return { event: value.event, data: value.data };
}

/**
 * Sends one frame, unless the client has stopped reading: past its connection's
 * maxBufferedBytes waiting to be sent, the socket is closed (1008 slow_consumer)
 * instead, so one slow reader cannot make the server hold unbounded memory.
 */
export function sendFrame(socket: GatehouseSocket, text: string): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  const connection = socket[CONNECTION];
  if (connection !== undefined && socket.bufferedAmount + text.length > connection.maxBufferedBytes) {
    if (connection.closing) return;
    connection.closing = true;
    connection.clearTimers();
    socket.close(closeCodeFor(SLOW_CONSUMER.reason), SLOW_CONSUMER.reason);
    return;
  }
  socket.send(text);
}

export function sendEvent(socket: GatehouseSocket, event: string, data: unknown): void {
  sendFrame(socket, JSON.stringify({ event, data }));
}

/** A refusal (docs/protocol.md §5): an error event, then a close whose reason is the same code. */
export function refuse(socket: GatehouseSocket, failure: AuthFailure): void {
  const connection = socket[CONNECTION];
  if (connection) {
    if (connection.closing) return;
    connection.clearTimers();
  }
  sendEvent(socket, 'error', failure.toJSON());
  if (connection) connection.closing = true;
  if (socket.readyState === WebSocket.OPEN) socket.close(closeCodeFor(failure.reason), failure.reason);
}
