import type { FastifyReply } from 'fastify';
import type { AuthFailure } from '../core/auth-failure.js';

export const REALM = 'gatehouse';

/**
 * The RFC 6750 challenge. error_description may only hold printable ASCII without
 * `"` or `\`, and messages can quote claim values taken from the token, so anything
 * else is replaced: a hostile claim can never break or inject a header.
 */
export function wwwAuthenticate(failure: AuthFailure): string {
  if (failure.reason === 'token_missing') return `Bearer realm="${REALM}"`;
  const description = failure.message.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`;
}

export function unauthorizedBody(failure: AuthFailure) {
  return { statusCode: 401, error: 'Unauthorized', reason: failure.reason, message: failure.message };
}

/** The contract's 401 for a REST request: status, challenge header and JSON body. */
export function sendUnauthorized(reply: FastifyReply, failure: AuthFailure): void {
  void reply.status(401).header('WWW-Authenticate', wwwAuthenticate(failure)).send(unauthorizedBody(failure));
}
