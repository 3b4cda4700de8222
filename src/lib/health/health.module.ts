import { Module, forwardRef } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { ProbesController } from './probes.controller.js';
import { ReadinessChecks } from './readiness-checks.js';
import { terminusModule } from './terminus.js';

/** GET /health, /health/live and /health/ready, public. Needs GatehouseModule. */
@Module({
  // forwardRef: Nest resolves it when it scans the app, so terminus is loaded only then.
  imports: [forwardRef(terminusModule)],
  controllers: [HealthController, ProbesController],
  providers: [ReadinessChecks],
  exports: [ReadinessChecks],
})
export class GatehouseHealthModule {}
