import { Global, Module } from '@nestjs/common';
import { AuthEventsService } from './auth-events.service.js';
import { GatehouseMetrics } from './gatehouse-metrics.js';

/** Metrics and authentication events, injectable anywhere (REST guard, WS gateway). */
@Global()
@Module({
  providers: [GatehouseMetrics, AuthEventsService],
  exports: [GatehouseMetrics, AuthEventsService],
})
export class ObservabilityModule {}
