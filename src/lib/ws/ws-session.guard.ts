import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { SOCKET_SESSION } from '../auth/session-holder.js';
import { EXPIRED } from '../core/token-rules.js';
import { CONNECTION, type GatehouseSocket } from './ws-connection.js';
import { refuse } from './ws-frames.js';
import { AUTH_REQUIRED } from './ws-protocol.js';

/**
 * Put on a gateway (`@UseGuards(WsSessionGuard)`): its message handlers run only for a
 * socket with a live session, which `@CurrentSession()` then returns. Global guards
 * do not reach gateways, hence one of its own.
 *
 * A refused socket is answered the contract's way (error event, then close 4401 or
 * 4001) right here; Nest's own "Forbidden" exception frame that follows is dropped
 * because the socket is already closing. No dependencies: any module can use it.
 */
@Injectable()
export class WsSessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'ws') return false;
    const socket = context.switchToWs().getClient<GatehouseSocket>();
    if (socket[SOCKET_SESSION] === undefined) {
      refuse(socket, AUTH_REQUIRED);
      return false;
    }
    // The expiry timer normally closes the socket first; this covers a late timer.
    const deadline = socket[CONNECTION]?.deadline ?? Number.POSITIVE_INFINITY;
    if (Date.now() >= deadline) {
      refuse(socket, EXPIRED);
      return false;
    }
    return true;
  }
}
