import type { Session, SessionClaims } from '../core/session.js';

// Where a validated session lives: `request.user` for REST (passport's property), and
// for a socket its Gatehouse connection, on this one symbol (one property per socket).
export const CONNECTION = Symbol('gatehouse.connection');

export interface SessionHolder {
  [CONNECTION]?: { readonly session: Session | undefined };
}

/**
 * The session of a raw `ws` or Socket.IO client, as gateways receive it (handlers'
 * `@ConnectedSocket()`, `handleConnection`, `handleDisconnect`): undefined before it
 * authenticates; after a refresh, the new session; in `handleDisconnect`, the last one.
 */
export function sessionOf<Claims = SessionClaims>(client: unknown): Session<Claims> | undefined {
  if (client === null || typeof client !== 'object') return undefined;
  return (client as SessionHolder)[CONNECTION]?.session as Session<Claims> | undefined;
}
