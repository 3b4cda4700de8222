import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken } from '../core/bearer-token.js';
import { isJsonObject } from '../core/token-rules.js';

/** What the token is read from: Socket.IO's `socket.handshake`. */
export interface Handshake {
  readonly auth: unknown;
  readonly headers: IncomingHttpHeaders;
}

/**
 * The handshake's token (docs/protocol.md §12): `auth: { token }` as the client's `io()`
 * sends it, else an `Authorization: Bearer` header (clients that set headers). An
 * empty or non-string `auth.token` is no token, as in an `auth` frame.
 */
export function handshakeToken(handshake: Handshake): string | undefined {
  const auth = handshake.auth;
  if (isJsonObject(auth) && typeof auth.token === 'string' && auth.token !== '') return auth.token;
  return bearerToken(handshake.headers.authorization);
}
