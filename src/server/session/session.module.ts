import { Module } from '@nestjs/common';
import { SessionController } from './session.controller.js';
import { SessionGateway } from './session.gateway.js';

/** The server's own routes: GET /api/session, and the gateway that opens /ws. */
@Module({ controllers: [SessionController], providers: [SessionGateway] })
export class SessionModule {}
