import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/public.decorator.js';
import { GatehouseMetrics } from '../observability/gatehouse-metrics.js';

/**
 * Prometheus scrapes this without a token: scrapers rarely hold JWTs, and the numbers
 * reveal no token or user id. Restrict it at the network (or METRICS_ENABLED=false).
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: GatehouseMetrics) {}

  @Public()
  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
