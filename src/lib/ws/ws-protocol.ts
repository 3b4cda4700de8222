import { AuthFailure, type Reason } from '../core/auth-failure.js';

// The fixed parts of docs/protocol.md §5 and §10: the close code of each refusal and
// the WebSocket-only failures.

/** 1001: the server is going away (SIGTERM/SIGINT); the client should reconnect later. */
export const SERVER_SHUTDOWN_CODE = 1001;
export const SERVER_SHUTDOWN_REASON = 'server_shutdown';

const CLOSE_CODES: Partial<Record<Reason, number>> = {
  token_expired: 4001,
  sub_mismatch: 4403,
  auth_timeout: 4408,
  bad_message: 1007,
  rate_limited: 4429,
  too_many_connections: 4429,
  slow_consumer: 1008,
  auth_unavailable: 1011,
};

/** 4401 for every other token failure of §3, auth_required and token_revoked. */
export function closeCodeFor(reason: Reason): number {
  return CLOSE_CODES[reason] ?? 4401;
}

export const AUTH_REQUIRED = new AuthFailure('auth_required', 'Authenticate first: send {"event":"auth","data":{"token":"<jwt>"}}');

export const BAD_MESSAGE = new AuthFailure('bad_message', 'Frames must be JSON text of the shape {"event": "<name>", "data": <any>}');

/** Too many frames sent while an auth frame was being checked: closed with 1008. */
export const TOO_MANY_PENDING = new AuthFailure('bad_message', 'Too many frames sent before authentication completed');

export const TOO_MANY_CONNECTIONS = new AuthFailure('too_many_connections', 'Too many open connections for this user');

export const SLOW_CONSUMER = new AuthFailure('slow_consumer', 'Too much data waiting to be sent: read faster');

/** A refusal's close code: its reason's, but 1008 (a policy, not a malformed frame) for too many pending frames. */
export function closeCodeOf(failure: AuthFailure): number {
  return failure === TOO_MANY_PENDING ? 1008 : closeCodeFor(failure.reason);
}

export function authTimeout(ms: number): AuthFailure {
  return new AuthFailure('auth_timeout', `No valid auth frame within ${ms} ms`);
}
