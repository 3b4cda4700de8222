import { Controller, Get, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { KeySource } from '../keys/key-source.js';
import { Public } from '../auth/public.decorator.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(GATEHOUSE_SETTINGS) private readonly settings: GatehouseSettings,
    @Inject(KeySource) private readonly keySource: KeySource,
  ) {}

  /**
   * 200 once tokens can be verified; 503 "starting" while a key set is not loaded yet,
   * with why in words. Public: counts and fixed phrases only (see KeySourceStatus).
   */
  @Public()
  @Get()
  check() {
    const { ready, message, keySet } = this.keySource.status();
    const body = {
      status: ready ? 'ok' : 'starting',
      authMode: this.settings.auth.mode,
      ...(message !== undefined ? { message } : {}),
      ...(keySet !== undefined ? { keySet } : {}),
    };
    if (!ready) throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
