import type { Duplex } from 'node:stream';
import { rateLimitedBody } from '../auth/rate-limited.js';

/**
 * For the WebSocket upgrade path, which answers on the raw socket before any
 * WebSocket exists: the same 429, Retry-After and JSON body that REST sends, then the
 * socket is closed. Call it when AuthAttempts.refusal('ws', address) is not 0.
 */
export function refuseUpgrade(socket: Duplex, retryAfterSeconds: number): void {
  const body = JSON.stringify(rateLimitedBody());
  socket.end(
    'HTTP/1.1 429 Too Many Requests\r\n' +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Retry-After: ${retryAfterSeconds}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
}
