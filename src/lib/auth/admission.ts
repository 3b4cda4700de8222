import { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import type { Authenticator, AuthRequest, Outcome } from './authenticator.js';
import { GatehouseRefusal } from './refusal-replies.js';

/**
 * Marks a request Gatehouse itself authenticated (the platform gate, a guard, the
 * passport strategy), so that later steps reuse the session instead of checking the
 * token again. Not `request.user` alone: another passport strategy or a session
 * middleware of the host may have put something there.
 */
const ADMITTED = Symbol('gatehouse.admitted');

export interface AdmissibleRequest {
  user?: unknown;
  [ADMITTED]?: Session;
}

/** request.user holds the session (where passport puts it: @CurrentSession() reads it), or the refusal is thrown. */
export function admit(request: object, outcome: Outcome): true {
  if (outcome instanceof AuthFailure) throw new GatehouseRefusal(outcome);
  remember(request, outcome);
  return true;
}

export function remember(request: object, session: Session): void {
  const holder = request as AdmissibleRequest;
  holder[ADMITTED] = session;
  holder.user = session;
}

/** The session Gatehouse already admitted this request with, if any. */
export function admittedSession(request: object): Session | undefined {
  return (request as AdmissibleRequest)[ADMITTED];
}

/** The request's session from the gate, or its token checked now; a refusal is thrown. */
export function authenticateHttp(authenticator: Authenticator, request: AuthRequest & object): true | Promise<true> {
  if (admittedSession(request) !== undefined) return true;
  const outcome = authenticator.authenticateRequest(request);
  return outcome instanceof Promise ? outcome.then((value) => admit(request, value)) : admit(request, outcome);
}
