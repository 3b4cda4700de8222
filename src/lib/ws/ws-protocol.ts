import { AuthFailure, type Reason } from '../core/auth-failure.js';
import { RATE_LIMITED_MESSAGE } from '../auth/rate-limited.js';

// The fixed parts of contract section 5: where the gateway listens, the close code of
// each refusal, and the WebSocket-only failures (contract section 7).

export const WS_PATH = '/ws';

/** 1001: the server is going away (SIGTERM/SIGINT); the client should reconnect later. */
export const SERVER_SHUTDOWN_CODE = 1001;
export const SERVER_SHUTDOWN_REASON = 'server_shutdown';

const CLOSE_CODES: Partial<Record<Reason, number>> = {
  token_expired: 4001,
  sub_mismatch: 4403,
  auth_timeout: 4408,
  bad_message: 1007,
  // Not in the contract's table: the address is over AUTH_FAIL_LIMIT (HTTP's 429).
  rate_limited: 4429,
};

/** 4401 for every other token failure of section 3 and for auth_required. */
export function closeCodeFor(reason: Reason): number {
  return CLOSE_CODES[reason] ?? 4401;
}

export const AUTH_REQUIRED = new AuthFailure(
  'auth_required',
  'Authenticate first: send {"event":"auth","data":{"token":"<jwt>"}}',
);

export const BAD_MESSAGE = new AuthFailure(
  'bad_message',
  'Frames must be JSON text of the shape {"event": "<name>", "data": <any>}',
);

export const SUB_MISMATCH = new AuthFailure(
  'sub_mismatch',
  "The new token's 'sub' differs from the session's: reconnect to change users",
);

export function authTimeout(ms: number): AuthFailure {
  return new AuthFailure('auth_timeout', `No valid auth frame within ${ms} ms`);
}

export function rateLimitedFailure(retryAfterSeconds: number): AuthFailure {
  return new AuthFailure('rate_limited', `${RATE_LIMITED_MESSAGE} (in ${retryAfterSeconds} s)`);
}
