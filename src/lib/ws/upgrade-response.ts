import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { HttpRefusal } from '../auth/refusal-replies.js';

/**
 * Answers an upgrade request with a plain HTTP response and closes the connection:
 * the upgrade never completes, so nothing reaches a gateway. The refusal (status,
 * headers, body) is the one REST sends (refusal-replies.ts).
 */
export function rejectUpgrade(socket: Duplex, refusal: HttpRefusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify(refusal.body);
  const lines = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    ...Object.entries(refusal.headers)
      .filter(([name]) => name.toLowerCase() !== 'connection')
      .map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}
