import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { AuthFailure } from '../core/auth-failure.js';
import { unauthorizedBody, wwwAuthenticate } from '../auth/refusal-replies.js';

/**
 * Answers an upgrade request with a plain HTTP response and closes the connection:
 * the upgrade never completes, so nothing reaches a gateway.
 */
export function rejectUpgrade(
  socket: Duplex,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}

/** The 401 of contract section 4, for an invalid bearer token on the upgrade request. */
export function rejectUnauthorized(socket: Duplex, failure: AuthFailure): void {
  rejectUpgrade(socket, 401, unauthorizedBody(failure), { 'WWW-Authenticate': wwwAuthenticate(failure) });
}
