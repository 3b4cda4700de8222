import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';

/** GET /metrics; create-app.ts imports it when METRICS_ENABLED is true. */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}
