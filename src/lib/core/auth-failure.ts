// Every way authentication can fail (docs/protocol.md §7), each with a stable code that
// REST and WebSocket report alike, and a human message.

export const TOKEN_REASONS = [
  'token_missing',
  'token_malformed',
  'alg_not_allowed',
  'signature_invalid',
  'key_not_found',
  'token_expired',
  'token_not_yet_valid',
  'claim_invalid',
  'claim_missing',
  'sub_invalid',
  // docs/protocol.md §16: the header's typ is not the one required (requireTyp).
  'token_type_invalid',
] as const;

export const WS_REASONS = ['auth_required', 'auth_timeout', 'sub_mismatch', 'bad_message'] as const;

/** Not token failures: limits that protect other clients (docs/protocol.md §10) and revocation (§11). */
export const LIMIT_REASONS = ['rate_limited', 'too_many_connections', 'slow_consumer', 'token_revoked'] as const;

/** A valid token that lacks a right (docs/protocol.md §15): 403, or a refused gateway message. */
export const AUTHORIZATION_REASONS = ['insufficient_scope', 'forbidden'] as const;

/** Not the client's doing: a dependency of authentication (verifier, revocations, failure limit) failed. */
export const DEPENDENCY_REASONS = ['auth_unavailable'] as const;

export type TokenReason = (typeof TOKEN_REASONS)[number];
export type WsReason = (typeof WS_REASONS)[number];
export type LimitReason = (typeof LIMIT_REASONS)[number];
export type AuthorizationReason = (typeof AUTHORIZATION_REASONS)[number];
export type DependencyReason = (typeof DEPENDENCY_REASONS)[number];
export type Reason = TokenReason | WsReason | LimitReason | AuthorizationReason | DependencyReason;

export class AuthFailure {
  constructor(
    readonly reason: Reason,
    readonly message: string,
  ) {}

  toJSON(): { reason: Reason; message: string } {
    return { reason: this.reason, message: this.message };
  }
}

/** The address is over the failed-authentication limit: 429 with Retry-After, or close 4429. */
export class RateLimitedFailure extends AuthFailure {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', `Too many failed authentication attempts; retry in ${retryAfterSeconds} s`);
  }
}

/** 403 insufficient_scope (docs/protocol.md §15), with the scopes the route requires (RFC 6750 §3.1 `scope`). */
export class InsufficientScope extends AuthFailure {
  constructor(readonly requiredScopes: readonly string[]) {
    super('insufficient_scope', 'Token lacks the required scope');
  }
}

/**
 * A verifier, the revocation check or the failure limit threw or rejected: 503 with
 * Retry-After: 1, or close 1011. Nothing about the token is known, so nothing is counted.
 */
export const AUTH_UNAVAILABLE = new AuthFailure('auth_unavailable', 'Authentication is temporarily unavailable');

export const MISSING_TOKEN = new AuthFailure('token_missing', 'Missing bearer token');

/** A claim value as it appears in a message: JSON, cut short so a huge claim stays readable. */
export function showValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
