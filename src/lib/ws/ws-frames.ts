import { WebSocket, type RawData } from 'ws';
import type { AuthFailure } from '../core/auth-failure.js';
import { isJsonObject } from '../core/token-rules.js';
import { CONNECTION, type GatehouseSocket } from './ws-connection.js';
import { closeCodeFor } from './ws-protocol.js';

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

export function sendEvent(socket: WebSocket, event: string, data: unknown): void {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ event, data }));
}

/** The contract's refusal: an error event, then a close whose reason is the same code. */
export function refuse(socket: GatehouseSocket, failure: AuthFailure): void {
  const connection = socket[CONNECTION];
  if (connection) {
    if (connection.closing) return;
    connection.closing = true;
    connection.clearTimers();
  }
  sendEvent(socket, 'error', failure.toJSON());
  if (socket.readyState === WebSocket.OPEN) socket.close(closeCodeFor(failure.reason), failure.reason);
}
