import type { IncomingMessage } from 'node:http';
import { HttpException } from '@nestjs/common';
import { AuthFailure, InsufficientScope, RateLimitedFailure } from '../core/auth-failure.js';
import { writeJson, type HttpResponse } from '../platform/json-reply.js';
import { hasBody } from '../platform/platform.js';

// Every HTTP answer Gatehouse gives instead of the route's own (docs/protocol.md §4, §10):
// the body, status and headers of each, built here only. REST replies and refused
// WebSocket upgrades (which write raw HTTP) both take them from here.

export const REALM = 'gatehouse';

export interface HttpRefusal {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

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

/** RFC 6750 §3.1: the scopes a route requires, as the `scope` attribute (only NQCHARs survive in it). */
function insufficientScope(failure: InsufficientScope): string {
  const scope = failure.requiredScopes.join(' ').replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`;
}

/** 403 for authorization (docs/protocol.md §15), 429 for the limits (rate_limited, too_many_connections), 503 for auth_unavailable, 401 for everything else. */
export function httpRefusal(failure: AuthFailure): HttpRefusal {
  if (failure.reason === 'insufficient_scope' || failure.reason === 'forbidden') {
    const body = { statusCode: 403, error: 'Forbidden', reason: failure.reason, message: failure.message };
    const headers: Record<string, string> = failure instanceof InsufficientScope ? { 'WWW-Authenticate': insufficientScope(failure) } : {};
    return { status: 403, headers, body };
  }
  if (failure.reason === 'auth_unavailable') {
    return {
      status: 503,
      headers: { 'Retry-After': '1' },
      body: { statusCode: 503, error: 'Service Unavailable', reason: failure.reason, message: failure.message },
    };
  }
  if (failure instanceof RateLimitedFailure) {
    return {
      status: 429,
      headers: { 'Retry-After': String(failure.retryAfterSeconds) },
      body: { statusCode: 429, error: 'Too Many Requests', reason: failure.reason, message: failure.message },
    };
  }
  if (failure.reason === 'too_many_connections') {
    return {
      status: 429,
      headers: {},
      body: { statusCode: 429, error: 'Too Many Requests', reason: failure.reason, message: failure.message },
    };
  }
  return { status: 401, headers: { 'WWW-Authenticate': wwwAuthenticate(failure) }, body: unauthorizedBody(failure) };
}

export const SHUTTING_DOWN: HttpRefusal = {
  status: 503,
  headers: { Connection: 'close' },
  body: { statusCode: 503, error: 'Service Unavailable', message: 'Server is shutting down' },
};

/** On Express and Fastify alike: Fastify's reply or Express's response, as Nest hands them over. */
export function sendHttpRefusal(response: HttpResponse, refusal: HttpRefusal): void {
  writeJson(response, refusal.status, refusal.headers, refusal.body);
}

/**
 * A refusal that leaves a body unread closes the connection: reading the rest to keep
 * it alive would cost what refusing first saves (docs/protocol.md §10).
 */
export function unread(request: { readonly headers: IncomingMessage['headers'] }, refusal: HttpRefusal): HttpRefusal {
  const raw = (request as { raw?: IncomingMessage }).raw ?? (request as IncomingMessage);
  // HTTP/2 has no Connection header (a stream is reset instead of a connection closed).
  return hasBody(request.headers) && raw.httpVersionMajor < 2
    ? { ...refusal, headers: { ...refusal.headers, Connection: 'close' } }
    : refusal;
}

/** Thrown by the guard and the passport strategy; RefusalFilter answers it with httpRefusal(). */
export class GatehouseRefusal extends HttpException {
  constructor(readonly failure: AuthFailure) {
    const refusal = httpRefusal(failure);
    super(refusal.body, refusal.status);
  }
}
