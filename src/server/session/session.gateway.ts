import { UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CurrentSession } from '../../lib/auth/current-session.decorator.js';
import type { Session } from '../../lib/core/session.js';
import { WsSessionGuard } from '../../lib/ws/ws-session.guard.js';
import { WS_PATH } from '../../lib/ws/ws-protocol.js';

/**
 * Gatehouse's own guarded events. `auth` is not here: it is part of the connection
 * protocol (it must work before authentication) and GatehouseWsAdapter hands it to
 * WsSessionService directly.
 */
@WebSocketGateway({ path: WS_PATH })
@UseGuards(WsSessionGuard)
export class SessionGateway {
  @SubscribeMessage('whoami')
  whoami(@CurrentSession() session: Session) {
    return { event: 'session', data: session };
  }
}
