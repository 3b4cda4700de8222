import type { Session } from '../core/session.js';

// Where a validated session lives: `request.user` for REST (passport's property),
// this symbol on the socket for WebSocket.
export const SOCKET_SESSION = Symbol('gatehouse.session');

export interface SessionHolder {
  [SOCKET_SESSION]?: Session;
}
