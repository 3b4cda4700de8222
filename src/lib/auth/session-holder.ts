import type { Session } from '../core/session.js';

// Where a validated session lives: `request.user` for REST (passport's property), and
// for a socket its Gatehouse connection, on this one symbol (one property per socket).
export const CONNECTION = Symbol('gatehouse.connection');

export interface SessionHolder {
  [CONNECTION]?: { readonly session: Session | undefined };
}
