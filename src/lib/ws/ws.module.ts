import { Module } from '@nestjs/common';
import { AuthModule } from '../gatehouse.module.js';
import { SessionGateway } from '../../server/session/session.gateway.js';
import { WsSessionGuard } from './ws-session.guard.js';
import { WsSessionService } from './ws-sessions.service.js';

/**
 * The WebSocket gateway at /ws. Serving it needs GatehouseWsAdapter, which
 * create-app.ts installs (it authenticates the upgrade and runs the protocol).
 */
@Module({
  imports: [AuthModule],
  providers: [WsSessionService, WsSessionGuard, SessionGateway],
  exports: [WsSessionService, WsSessionGuard],
})
export class WsModule {}
