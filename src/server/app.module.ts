import type { DynamicModule } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import {
  GatehouseAdminModule,
  GatehouseHealthModule,
  GatehouseHttpModule,
  GatehouseMetricsModule,
  GatehouseModule,
  type GatehouseOptions,
} from '../index.js';
import type { ServerSettings } from './config/server-settings.js';
import { DevConsoleModule } from './dev-console/dev-console.module.js';
import { SessionModule } from './session/session.module.js';

/**
 * The server, assembled from the library's public modules as any host app would:
 * authentication, health, security headers and graceful stop, metrics (on their own
 * port in production), and its own routes.
 */
export class AppModule {
  static forRoot(options: GatehouseOptions, server: ServerSettings, logger?: Params): DynamicModule {
    const metrics = server.production ? { port: server.metricsPort, host: server.host } : {};
    return {
      module: AppModule,
      imports: [
        GatehouseModule.forRoot(options),
        GatehouseHealthModule,
        GatehouseHttpModule.forRoot({ headersTimeoutMs: server.headersTimeoutMs, keepAliveTimeoutMs: server.keepAliveTimeoutMs }),
        ...(server.metricsEnabled ? [GatehouseMetricsModule.forRoot(metrics)] : []),
        SessionModule,
        ...(server.adminApiKey !== undefined ? [GatehouseAdminModule.forRoot({ apiKey: server.adminApiKey })] : []),
        ...(logger ? [LoggerModule.forRoot(logger)] : []),
        // The development console: insecure mode only, and never in production.
        ...(options.mode === 'insecure' && !server.production ? [DevConsoleModule] : []),
      ],
    };
  }
}
