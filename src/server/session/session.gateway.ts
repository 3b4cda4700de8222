import { UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CurrentSession, WsSessionGuard, type Session } from '../../index.js';

/**
 * The server's guarded events. `auth` is not here: it is part of the connection
 * protocol (it must work before authentication), handled by the adapter itself.
 */
@WebSocketGateway()
@UseGuards(WsSessionGuard)
export class SessionGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentSession() session: Session) {
    return { event: 'session', data: session };
  }
}
