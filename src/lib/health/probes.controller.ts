import { Controller, Get, Header, Inject, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { KeySource } from '../keys/key-source.js';
import { Public } from '../auth/public.decorator.js';
import { Revocations } from '../revocation/revocations.service.js';
import { ReadinessChecks } from './readiness-checks.js';
import { terminus } from './terminus.js';

// What terminus's @HealthCheck() sets (it needs terminus loaded where the class is defined).
const NO_CACHE = 'no-cache, no-store, must-revalidate';

/**
 * Kubernetes-style probes next to the contract's GET /health: live says the process
 * answers (restart it if not), ready says it should receive traffic.
 */
@Public()
@Controller('health')
export class ProbesController implements OnModuleInit {
  // Terminus's services, found once the app is built (terminus is an optional peer).
  private health!: HealthCheckService;
  private indicators!: HealthIndicatorService;

  constructor(
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
    @Inject(ReadinessChecks) private readonly readiness: ReadinessChecks,
    @Inject(KeySource) private readonly keySource: KeySource,
    @Inject(Revocations) private readonly revocations: Revocations,
  ) {}

  onModuleInit(): void {
    const { HealthCheckService, HealthIndicatorService } = terminus();
    this.health = this.moduleRef.get(HealthCheckService, { strict: false });
    this.indicators = this.moduleRef.get(HealthIndicatorService, { strict: false });
  }

  @Get('live')
  @Header('Cache-Control', NO_CACHE)
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @Header('Cache-Control', NO_CACHE)
  ready() {
    const shutdown = () => {
      const session = this.indicators.check('shutdown');
      return this.readiness.shuttingDown ? session.down({ message: 'shutting down' }) : session.up();
    };
    // Tokens cannot be verified until the key set (AUTH_JWT_JWKS_URL) is loaded.
    const keys = () => {
      const { ready, message, keySet, issuers } = this.keySource.status();
      const indicator = this.indicators.check('keys');
      // Several issuers: ready while one can verify; each named by its host, with its state.
      const perIssuer = issuers !== undefined ? { message, issuers } : undefined;
      return ready ? indicator.up(perIssuer) : indicator.down({ message, ...(keySet !== undefined ? { keySet } : {}), ...perIssuer });
    };
    // Once loaded, still ready when Redis is away: every process would otherwise leave the
    // load balancer at once, for an outage they ride out with the revocations they hold.
    const revocations = () => {
      const indicator = this.indicators.check('revocations');
      if (!this.revocations.enabled) return indicator.up({ message: 'revocation is off' });
      // Never loaded: this process would accept every revoked token.
      if (!this.revocations.loaded) return indicator.down({ message: 'revocations not loaded yet: Redis is unreachable' });
      const staleness = this.revocations.staleness;
      return indicator.up(
        staleness === undefined
          ? { held: this.revocations.size }
          : { held: this.revocations.size, stale: true, message: `revocations may be stale: ${staleness}` },
      );
    };
    return this.health.check([shutdown, keys, revocations, ...this.readiness.all()]);
  }
}
