import { Logger as NestLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { GatehouseIoAdapter, GatehouseWsAdapter } from '../index.js';
import { proxyTrust } from '../internal.js';
import { AppModule } from './app.module.js';
import { readEnvironment, type Environment } from './config/load-environment.js';
import { parseServerEnvironment } from './config/server-settings.js';
import { setUpApiDocs } from './docs/api-docs.js';
import { corsOptions, socketIoCorsOptions } from './http/cors-options.js';
import { loggerParams, nestLogLevels } from './logging/logger-params.js';

export interface CreateAppOptions {
  /** The variables to run with; default: the process environment over `.env`. */
  readonly env?: Environment;
  /** false silences every log (tests); a list of levels uses Nest's console logger instead of pino. */
  readonly logger?: false | LogLevel[];
  /** Where the JSON log lines go instead of stdout (tests read them). */
  readonly logDestination?: DestinationStream;
}

/**
 * The Gatehouse server as main.ts runs it (the e2e tests build theirs here too): the
 * environment read once, then an app built from the library's public API.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const { options: gatehouse, settings, server } = parseServerEnvironment(options.env ?? readEnvironment());
  const pino = options.logger === undefined;
  const logger = pino ? await loggerParams(server, options.logDestination) : undefined;
  // Fastify's own trust only decides request.ip for logs and X-Forwarded-Host/-Proto;
  // authentication reads the client address itself (clientAddressOf), with the same trust.
  const adapter = new FastifyAdapter({ trustProxy: proxyTrust(settings.trustProxy) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(gatehouse, server, logger), adapter, {
    logger: pino ? undefined : options.logger,
    bufferLogs: pino,
    // Reject instead of exiting the process, so callers (main.ts, tests) see the error.
    abortOnError: false,
  });
  if (pino) {
    app.useLogger(app.get(Logger));
    // Tells the library (Logger.isLevelEnabled) which levels pino writes.
    NestLogger.overrideLogger(nestLogLevels(server.logLevel));
  }
  const cors = corsOptions(server.corsOrigins);
  if (cors) app.enableCors(cors);
  if (server.docsEnabled) setUpApiDocs(app);
  // WS_TRANSPORT: the same protocol over raw WebSocket (/ws) or Socket.IO (/socket.io/).
  const ioCors = socketIoCorsOptions(server.corsOrigins);
  app.useWebSocketAdapter(
    server.wsTransport === 'socket.io' ? new GatehouseIoAdapter(app, ioCors ? { cors: ioCors } : {}) : new GatehouseWsAdapter(app),
  );
  return app;
}
