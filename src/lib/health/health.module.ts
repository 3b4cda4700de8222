import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { ProbesController } from './probes.controller.js';
import { ReadinessChecks } from './readiness-checks.js';

/** GET /health, /health/live and /health/ready, public. Needs GatehouseModule. */
@Module({
  // Terminus logs a failed check itself; ours are expected states (starting, stopping).
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, ProbesController],
  providers: [ReadinessChecks],
  exports: [ReadinessChecks],
})
export class GatehouseHealthModule {}
