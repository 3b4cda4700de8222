import type { DynamicModule, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { gatehouseConfig, loadConfiguration, type GatehouseConfiguration } from './config/gatehouse.config.js';
import { readEnvironment } from './config/load-environment.js';
import { setUpApiDocs } from './docs/api-docs.js';
import { corsOptions } from './http/cors-options.js';
import { securityHeaders } from './http/helmet-options.js';
import { GatehouseMetrics } from './observability/gatehouse-metrics.js';
import { installClientAddress, proxyTrust } from './limits/client-address.js';
import { installHttpMetrics } from './observability/http-metrics.hook.js';
import { loggerParams } from './observability/logger-params.js';
import { MetricsModule } from './observability/metrics.module.js';
import { GatehouseWsAdapter } from './ws/gatehouse-ws.adapter.js';

export interface CreateAppOptions {
  /** false silences every log (tests); a list of levels uses Nest's console logger instead of pino. */
  readonly logger?: false | LogLevel[];
  /** Where the JSON log lines go instead of stdout (tests read them). */
  readonly logDestination?: DestinationStream;
}

/**
 * What an application needs besides importing Gatehouse's modules, before `init()` or
 * `listen()`: the WebSocket adapter (authentication at upgrade, the `/ws` protocol),
 * and request.ip read from X-Forwarded-For as TRUST_PROXY says, exactly as the
 * upgrade reads it. Call it on apps you build yourself, e.g. with
 * Test.createTestingModule in e2e tests.
 */
export function useGatehouse(app: NestFastifyApplication): NestFastifyApplication {
  const config = app.get<GatehouseConfiguration>(gatehouseConfig.KEY, { strict: false });
  installClientAddress(app.getHttpAdapter().getInstance(), config.http.trustProxy);
  app.useWebSocketAdapter(new GatehouseWsAdapter(app));
  return app;
}

const SHUTTING_DOWN = { statusCode: 503, error: 'Service Unavailable', message: 'Server is shutting down' } as const;
const shutdownStates = new WeakMap<NestFastifyApplication, { stopping: boolean }>();

/**
 * The first step of a graceful stop (SIGTERM/SIGINT): from now on new HTTP requests get
 * 503 at once, while in-flight ones finish and app.close() closes the sockets.
 */
export function stopAccepting(app: NestFastifyApplication): void {
  const state = shutdownStates.get(app);
  if (state) state.stopping = true;
}

/**
 * The Gatehouse application, wired as main.ts runs it: the e2e tests build theirs
 * here too, so they test what users run.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  // The same settings Nest will load (.env under the real environment), needed here
  // for what must exist before Nest does: the adapter, the logger, the HTTP layer.
  const config = loadConfiguration(readEnvironment());
  const pino = options.logger === undefined;
  // nestjs-pino keeps one logger per process: the first app that logs decides where.
  const root: DynamicModule = {
    module: class Gatehouse {},
    imports: [
      AppModule,
      ...(pino ? [LoggerModule.forRoot(await loggerParams(config, options.logDestination))] : []),
      ...(config.ops.metricsEnabled ? [MetricsModule] : []),
    ],
  };
  // Fastify's own trust decides X-Forwarded-Host and -Proto; request.ip is set by
  // useGatehouse (installClientAddress) with the same trust.
  const adapter = new FastifyAdapter({ trustProxy: proxyTrust(config.http.trustProxy) });
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: pino ? undefined : options.logger,
    bufferLogs: pino,
    // Reject instead of exiting the process, so callers (main.ts, tests) see the error.
    abortOnError: false,
  });
  if (pino) app.useLogger(app.get(Logger));

  if (config.ops.metricsEnabled) installHttpMetrics(app.getHttpAdapter().getInstance(), app.get(GatehouseMetrics));
  const headers = securityHeaders();
  const state = { stopping: false };
  shutdownStates.set(app, state);
  app.getHttpAdapter().getInstance().addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    if (state.stopping) {
      // Shutting down: no new work, while requests already in flight finish.
      void reply.status(503).header('connection', 'close').send(SHUTTING_DOWN);
      return;
    }
    done();
  });
  const cors = corsOptions(config.http.corsOrigins);
  if (cors) app.enableCors(cors);
  if (config.ops.docsEnabled) setUpApiDocs(app);
  return useGatehouse(app);
}
