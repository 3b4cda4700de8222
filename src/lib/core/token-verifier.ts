import type { AuthFailure } from './auth-failure.js';
import type { Session } from './session.js';

export type VerifyResult = Session | AuthFailure;

/**
 * Decides what one bearer token is worth: a session, or an AuthFailure with a reason
 * code of docs/protocol.md §7. The built-in JWT verifiers implement it, and a host app
 * can plug in its own (`verifier` option). It is also the injection token.
 *
 * Answer synchronously when you can (a lookup in memory): every REST request and
 * WebSocket upgrade waits on it, and a promise costs a few microseconds each time.
 */
export abstract class TokenVerifier {
  abstract verify(token: string): VerifyResult | Promise<VerifyResult>;
}
