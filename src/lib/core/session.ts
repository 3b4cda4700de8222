// What a valid token yields (docs/protocol.md §3), over REST and WebSocket alike.

/** The default type of a session's claims: an object of values not known in advance. */
export type SessionClaims = Readonly<Record<string, unknown>>;

/**
 * A session. `Claims` types what your tokens carry (`Session<{ rooms: string[] }>`);
 * Gatehouse does not check that they do: the claims are the token's, as it was signed.
 */
export interface Session<Claims = SessionClaims> {
  /** The user id: the namespace's `sub`, or the legacy `user_id`. Never blank. */
  readonly sub: string;
  /** The token's top-level `exp` in seconds since the epoch, or null when it has none. */
  readonly expiresAt: number | null;
  /** The claims object found through AUTH_JWT_NAMESPACE (the whole payload when unset). */
  readonly claims: Claims;
  readonly authMode: 'secure' | 'insecure' | 'custom';
}

/** The claims type of a session type: `ClaimsOf<typeof session>`. */
export type ClaimsOf<S> = S extends Session<infer Claims> ? Claims : never;
