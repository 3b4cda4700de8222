import { Inject, Logger, Module, type NestModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, ModuleRef } from '@nestjs/core';
import { Authenticator } from './auth/authenticator.js';
import { GatehouseGuard } from './auth/gatehouse.guard.js';
import { GatehouseStrategy } from './auth/gatehouse.strategy.js';
import { RefusalFilter } from './auth/refusal.filter.js';
import { RequestGate } from './auth/request-gate.js';
import { UnknownRouteFilter } from './auth/unknown-route.filter.js';
import { GATEHOUSE_OPTIONS, GatehouseConfigurableModule } from './gatehouse.module-definition.js';
import { KeySource } from './keys/key-source.js';
import { RemoteKeySource } from './keys/remote-key-source.js';
import { StaticKeySource } from './keys/static-key-source.js';
import { FailureLimiter } from './limits/failure-limiter.js';
import { FailureLimit } from './limits/failure-limit.js';
import { RedisFailureLimiter } from './limits/redis-failure-limiter.js';
import { RedisConnection } from './redis/redis-connection.js';
import { Revocations } from './revocation/revocations.service.js';
import { AuthEventsService } from './observability/auth-events.service.js';
import { GatehouseMetrics } from './observability/gatehouse-metrics.js';
import type { GatehouseOptions } from './options/gatehouse-options.js';
import { resolveOptions } from './options/resolve-options.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from './options/settings.js';
import { InsecureJwtVerifier } from './verify/insecure-jwt-verifier.js';
import { SecureJwtVerifier } from './verify/secure-jwt-verifier.js';
import { TokenVerifier } from './core/token-verifier.js';
import { WsSessionGuard } from './ws/ws-session.guard.js';
import { WsSessions } from './ws/ws-sessions.service.js';
import { KeyRemoval } from './ws/key-removal.js';

const providers: Provider[] = [
  {
    // Invalid options stop the app here, every problem listed at once (ConfigurationError).
    provide: GATEHOUSE_SETTINGS,
    inject: [GATEHOUSE_OPTIONS],
    useFactory: (options: GatehouseOptions): GatehouseSettings => {
      const settings = resolveOptions(options);
      const logger = new Logger('Gatehouse');
      for (const warning of settings.warnings) logger.warn(warning);
      return settings;
    },
  },
  {
    provide: KeySource,
    inject: [GATEHOUSE_SETTINGS],
    useFactory: ({ auth }: GatehouseSettings): KeySource => {
      if (auth.mode !== 'secure') return new StaticKeySource([]);
      const source = auth.keySource;
      return source.kind === 'jwks' ? new RemoteKeySource(source.url, auth.algorithms) : new StaticKeySource(source.keys);
    },
  },
  {
    // The JWT check of the configured mode, or the host app's own verifier (built with
    // the module's injector, so it can inject what forRootAsync's `imports` provide).
    provide: TokenVerifier,
    inject: [GATEHOUSE_SETTINGS, KeySource, ModuleRef],
    useFactory: ({ auth }: GatehouseSettings, keys: KeySource, moduleRef: ModuleRef): TokenVerifier | Promise<TokenVerifier> => {
      if (auth.mode === 'custom') return moduleRef.create(auth.verifier);
      return auth.mode === 'secure' ? new SecureJwtVerifier(auth, keys) : new InsecureJwtVerifier(auth);
    },
  },
  {
    provide: FailureLimiter,
    inject: [GATEHOUSE_SETTINGS],
    useFactory: ({ failureLimit }: GatehouseSettings) =>
      new FailureLimiter({
        limit: failureLimit.limit,
        windowMs: failureLimit.windowSeconds * 1000,
        maxAddresses: failureLimit.maxAddresses,
      }),
  },
  // Revocation and several processes (docs/protocol.md §11): Redis only with `redisUrl`.
  {
    provide: RedisConnection,
    inject: [GATEHOUSE_SETTINGS],
    useFactory: ({ redisUrl, redisPrefix }: GatehouseSettings): Promise<RedisConnection> | null =>
      redisUrl ? RedisConnection.open(redisUrl, redisPrefix) : null,
  },
  {
    // The failure limit is counted in Redis when several processes share one, in memory otherwise.
    provide: FailureLimit,
    inject: [FailureLimiter, RedisConnection],
    useFactory: (local: FailureLimiter, redis: RedisConnection | null): FailureLimit =>
      redis ? new RedisFailureLimiter(redis, local) : local,
  },
  Revocations,
  GatehouseMetrics,
  AuthEventsService,
  Authenticator,
  GatehouseStrategy,
  RequestGate,
  WsSessions,
  WsSessionGuard,
  // Closes live sockets whose key left the key set (a key set refresh).
  KeyRemoval,
  // Inert when `globalGuard` is false; the refusal filter catches only Gatehouse's own refusals.
  { provide: APP_GUARD, useClass: GatehouseGuard },
  { provide: APP_FILTER, useClass: RefusalFilter },
  { provide: APP_FILTER, useClass: UnknownRouteFilter },
];

/**
 * Authentication for a NestJS app (docs/protocol.md §9): import it once with
 * forRoot(options) or forRootAsync({ imports, inject, useFactory }). It is global, so
 * gateways, guards and the optional modules (health, metrics, HTTP) find its services.
 */
@Module({
  providers,
  exports: [
    GATEHOUSE_SETTINGS,
    TokenVerifier,
    KeySource,
    FailureLimiter,
    FailureLimit,
    RedisConnection,
    Revocations,
    GatehouseMetrics,
    AuthEventsService,
    Authenticator,
    WsSessions,
    WsSessionGuard,
  ],
})
export class GatehouseModule extends GatehouseConfigurableModule implements NestModule {
  constructor(@Inject(RequestGate) private readonly gate: RequestGate) {
    super();
  }

  /** Nest runs this before it registers the routes: RequestGate must see each one registered. */
  configure(): void {
    this.gate.install();
  }
}
