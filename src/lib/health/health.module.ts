import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { KeySourceModule } from '../keys/key-source.module.js';
import { HealthController } from './health.controller.js';
import { ProbesController } from './probes.controller.js';
import { ReadinessChecks } from './readiness-checks.js';

// Global so that any module (the key-set loader) can register a readiness check.
@Global()
@Module({
  // Terminus logs a failed check itself; ours are expected states (starting, stopping).
  imports: [KeySourceModule, TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, ProbesController],
  providers: [ReadinessChecks],
  exports: [ReadinessChecks],
})
export class HealthModule {}
