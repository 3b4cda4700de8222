import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * What GET /health/ready asks. Other modules add their own check at startup, e.g. the
 * key-set loader:
 *
 *   readiness.register('jwks', () => indicators.check('jwks').up())   // or .down({...})
 *
 * A check is a terminus HealthIndicatorFunction (use HealthIndicatorService to build
 * its result). The app stops being ready as soon as shutdown begins, so that a load
 * balancer stops sending new work while in-flight requests finish.
 */
@Injectable()
export class ReadinessChecks implements BeforeApplicationShutdown {
  private readonly checks = new Map<string, HealthIndicatorFunction>();
  private stopping = false;

  register(name: string, check: HealthIndicatorFunction): void {
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" is already registered`);
    this.checks.set(name, check);
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  all(): HealthIndicatorFunction[] {
    return [...this.checks.values()];
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }
}
