import { Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { gatehouseConfig, type GatehouseConfiguration } from '../../server/config/gatehouse.config.js';
import { ObservabilityModule } from '../observability/observability.module.js';
import { AuthAttempts } from '../auth/authenticator.js';
import { FailureLimiter } from './failure-limiter.js';
import { RateLimitedFilter } from '../auth/rate-limited.filter.js';

/** The failed-authentication limit (AUTH_FAIL_*), for the guard and the gateway. */
@Global()
@Module({
  imports: [ObservabilityModule],
  providers: [
    {
      provide: FailureLimiter,
      inject: [gatehouseConfig.KEY],
      useFactory: ({ limits }: GatehouseConfiguration) =>
        new FailureLimiter({
          limit: limits.authFailLimit,
          windowMs: limits.authFailWindowSeconds * 1000,
          maxAddresses: limits.authFailMaxAddresses,
        }),
    },
    AuthAttempts,
    { provide: APP_FILTER, useClass: RateLimitedFilter },
  ],
  exports: [FailureLimiter, AuthAttempts],
})
export class LimitsModule {}
