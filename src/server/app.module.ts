import { Module } from '@nestjs/common';
import { AuthModule } from '../lib/gatehouse.module.js';
import { GatehouseConfigModule } from './config/config.module.js';
import { HealthModule } from '../lib/health/health.module.js';
import { SessionModule } from './session/session.module.js';
import { WsModule } from '../lib/ws/ws.module.js';

@Module({
  imports: [GatehouseConfigModule, AuthModule, HealthModule, SessionModule, WsModule],
})
export class AppModule {}
