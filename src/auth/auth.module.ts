import { Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { gatehouseConfig, type GatehouseConfiguration } from '../config/gatehouse.config.js';
import { LimitsModule } from '../limits/limits.module.js';
import { ObservabilityModule } from '../observability/observability.module.js';
import { AuthRejectionFilter } from './auth-rejection.filter.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { KeySource } from './key-set/key-source.js';
import { KeySourceModule } from './key-set/key-source.module.js';
import { InsecureJwtStrategy } from './strategies/insecure-jwt.strategy.js';
import { SecureJwtStrategy } from './strategies/secure-jwt.strategy.js';
import { TokenVerifier } from './token-verifier.js';
import { UnknownRouteFilter } from './unknown-route.filter.js';

@Module({
  imports: [PassportModule, KeySourceModule, ObservabilityModule, LimitsModule],
  providers: [
    {
      // One strategy, chosen once from AUTH_MODE; constructing it registers it with
      // passport under JWT_STRATEGY. Gateways inject it as the TokenVerifier.
      provide: TokenVerifier,
      inject: [gatehouseConfig.KEY, KeySource],
      useFactory: ({ auth, warnings }: GatehouseConfiguration, keySource: KeySource): TokenVerifier => {
        const logger = new Logger('Auth');
        for (const warning of warnings) logger.warn(warning);
        return auth.mode === 'secure' ? new SecureJwtStrategy(auth, keySource) : new InsecureJwtStrategy(auth);
      },
    },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_FILTER, useClass: AuthRejectionFilter },
    { provide: APP_FILTER, useClass: UnknownRouteFilter },
  ],
  exports: [TokenVerifier],
})
export class AuthModule {}
