import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '../auth/public.decorator.js';
import { gatehouseConfig, type GatehouseConfiguration } from '../config/gatehouse.config.js';

@Controller('health')
export class HealthController {
  constructor(@Inject(gatehouseConfig.KEY) private readonly config: GatehouseConfiguration) {}

  @Public()
  @Get()
  check() {
    return { status: 'ok', authMode: this.config.auth.mode };
  }
}
