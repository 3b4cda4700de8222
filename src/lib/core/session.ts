// What a valid token yields (contract section 3), over REST and WebSocket alike.
export interface Session {
  /** The user id: the namespace's `sub`, or the legacy `user_id`. Never blank. */
  readonly sub: string;
  /** The token's top-level `exp` in seconds since the epoch, or null when it has none. */
  readonly expiresAt: number | null;
  /** The claims object found through AUTH_JWT_NAMESPACE (the whole payload when unset). */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly authMode: 'secure' | 'insecure' | 'custom';
}
