import { AuthFailure, InsufficientScope } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import type { Requirements } from './requirements.js';
import { channelAllowed, type Rights } from '../core/rights.js';

// Whether a session's token may do what a route or handler requires (docs/protocol.md
// §15): the one authorization path, for REST, raw WebSocket and Socket.IO alike. It
// runs after authentication and reads only the verified token. Its refusals never count
// against the failure limit: the token is valid, it only lacks a right.

export { InsufficientScope };

export const FORBIDDEN = new AuthFailure('forbidden', 'Not allowed');

/** A policy threw or rejected: the app cannot decide now (503 auth_unavailable); `cause` is logged, never sent. */
export class PolicyFailed extends AuthFailure {
  constructor(readonly cause: unknown) {
    super('auth_unavailable', 'Authentication is temporarily unavailable');
  }
}

export type Verdict = AuthFailure | undefined;

/**
 * undefined: allowed. Scopes first (the answer names them), then roles, channels and
 * policies. Synchronous unless a policy answers with a promise. `channels`, when given,
 * receives each channel the selectors named and the rights allowed (so that a caller
 * keeping them need not run the selectors again); read it only when allowed.
 */
export function authorize(
  requirements: Requirements,
  session: Session,
  rights: Rights,
  input: unknown,
  channels?: string[],
): Verdict | Promise<Verdict> {
  for (const scope of requirements.scopes) {
    if (!rights.scopes.has(scope)) return new InsufficientScope(requirements.scopes);
  }
  for (const anyOf of requirements.roles) {
    if (!anyOf.some((role) => rights.roles.has(role))) return FORBIDDEN;
  }
  for (const select of requirements.channels) {
    const channel = channelOf(select, input);
    if (channel === undefined || !channelAllowed(rights.channels, channel)) return FORBIDDEN;
    channels?.push(channel);
  }
  return runPolicies(requirements, session, input, 0);
}

/** The selector's answer; one that throws or is not a string names no channel (the client's data was not what it expects). */
function channelOf(select: (data: unknown) => string, input: unknown): string | undefined {
  try {
    const channel = select(input);
    return typeof channel === 'string' ? channel : undefined;
  } catch {
    return undefined;
  }
}

function runPolicies(requirements: Requirements, session: Session, input: unknown, from: number): Verdict | Promise<Verdict> {
  const { policies } = requirements;
  for (let i = from; i < policies.length; i++) {
    let answer: boolean | Promise<boolean>;
    try {
      answer = policies[i](session, input);
    } catch (error) {
      return new PolicyFailed(error);
    }
    if (answer instanceof Promise) {
      return answer.then(
        (value) => (value === true ? runPolicies(requirements, session, input, i + 1) : FORBIDDEN),
        (error: unknown) => new PolicyFailed(error),
      );
    }
    if (answer !== true) return FORBIDDEN;
  }
  return undefined;
}
