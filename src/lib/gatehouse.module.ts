import { Inject, Logger, Module, type NestModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule, ModuleRef } from '@nestjs/core';
import { Authenticator } from './auth/authenticator.js';
import { GlobalGatehouseGuard } from './auth/global.guard.js';
import { GatehouseStrategy } from './auth/gatehouse.strategy.js';
import { RefusalFilter } from './auth/refusal.filter.js';
import { RequestGate } from './auth/request-gate.js';
import { RouteAuthorization } from './auth/route-authorization.js';
import { RouteDecisions } from './auth/route-decisions.js';
import { UnknownRouteFilter } from './auth/unknown-route.filter.js';
import { GATEHOUSE_OPTIONS, GatehouseConfigurableModule } from './gatehouse.module-definition.js';
import { KeySource } from './keys/key-source.js';
import { keySourceFor } from './verify/key-source-for.js';
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
import { jwtVerifierFor } from './verify/jwt-verifier-for.js';
import { TokenVerifier } from './core/token-verifier.js';
import { WsSessionGuard } from './ws/ws-session.guard.js';
import { WsSessions } from './ws/ws-sessions.service.js';
import { KeyRemoval } from './ws/key-removal.js';
import { GatewayAuthorization } from './authz/gateway-authorization.js';

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
      return auth.mode === 'secure' ? keySourceFor(auth) : new StaticKeySource([]);
    },
  },
  {
    // The JWT check of the configured mode, or the host app's own verifier (built with
    // the module's injector, so it can inject what forRootAsync's `imports` provide).
    provide: TokenVerifier,
    inject: [GATEHOUSE_SETTINGS, KeySource, ModuleRef],
    useFactory: ({ auth, rights }: GatehouseSettings, keys: KeySource, moduleRef: ModuleRef): TokenVerifier | Promise<TokenVerifier> => {
      return auth.mode === 'custom' ? moduleRef.create(auth.verifier) : jwtVerifierFor(auth, keys, rights);
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
  RouteDecisions,
  RouteAuthorization,
  RequestGate,
  WsSessions,
  WsSessionGuard,
  // Closes live sockets whose key left the key set (a key set refresh).
  KeyRemoval,
  // The requirements of gateway handlers, for the WebSocket adapters (docs/protocol.md §15).
  GatewayAuthorization,
  // Inert when `globalGuard` is false; the refusal filter catches only Gatehouse's own refusals.
  { provide: APP_GUARD, useClass: GlobalGatehouseGuard },
  { provide: APP_FILTER, useClass: RefusalFilter },
  { provide: APP_FILTER, useClass: UnknownRouteFilter },
];

/**
 * Authentication for a NestJS app (docs/protocol.md §9): import it once with
 * forRoot(options) or forRootAsync({ imports, inject, useFactory }). It is global, so
 * gateways, guards and the optional modules (health, metrics, HTTP) find its services.
 */
@Module({
  // DiscoveryService: the controllers, read once for the public/guarded decisions.
  imports: [DiscoveryModule],
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
    RouteDecisions,
    RouteAuthorization,
    WsSessions,
    WsSessionGuard,
    GatewayAuthorization,
  ],
})
export class GatehouseModule extends GatehouseConfigurableModule implements NestModule {
  constructor(@Inject(RequestGate) private readonly gate: RequestGate) {
    super();
  }

  /**
   * Nest runs this after it added its body parsers and before it registers the routes:
   * the gate must be ahead of the former and see each of the latter registered.
   */
  configure(): void {
    this.gate.install();
  }
}
