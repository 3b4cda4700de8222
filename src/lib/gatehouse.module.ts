import { Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { gatehouseConfig, type GatehouseConfiguration } from '../server/config/gatehouse.config.js';
import { LimitsModule } from './limits/limits.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { AuthRejectionFilter } from './auth/refusal.filter.js';
import { JwtAuthGuard } from './auth/gatehouse.guard.js';
import { KeySource } from './keys/key-source.js';
import { KeySourceModule } from './keys/key-source.module.js';
import { InsecureJwtStrategy } from './verify/insecure-jwt-verifier.js';
import { SecureJwtStrategy } from './verify/secure-jwt-verifier.js';
import { TokenVerifier } from './verify/token-verifier.js';
import { UnknownRouteFilter } from './auth/unknown-route.filter.js';

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
