import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { EXPIRED } from '../core/token-rules.js';
import { CONNECTION } from '../auth/session-holder.js';
import { type ConnectionHolder } from './connection.js';
import { AUTH_REQUIRED } from './ws-protocol.js';

/**
 * Put on a gateway (`@UseGuards(WsSessionGuard)`): its message handlers run only for a
 * socket with a live session, which `@CurrentSession()` then returns. Global guards
 * do not reach gateways, hence one of its own. Raw WebSocket and Socket.IO alike.
 *
 * A refused socket is answered the protocol's way (error event, then close 4401 or
 * 4001) right here; Nest's own "Forbidden" exception frame that follows is dropped
 * because the socket is already closing. No dependencies: any module can use it.
 */
@Injectable()
export class WsSessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'ws') return false;
    const connection = context.switchToWs().getClient<ConnectionHolder>()[CONNECTION];
    if (connection?.session === undefined) {
      connection?.refuse(AUTH_REQUIRED);
      return false;
    }
    // The expiry timer normally closes the socket first; this covers a late timer.
    if (Date.now() >= connection.deadline) {
      connection.refuse(EXPIRED);
      return false;
    }
    return true;
  }
}
