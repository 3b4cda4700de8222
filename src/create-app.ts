import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevel } from '@nestjs/common';
import { AppModule } from './app.module.js';
import { GatehouseWsAdapter } from './ws/gatehouse-ws.adapter.js';

export interface CreateAppOptions {
  /** false silences Nest's logger (tests). */
  readonly logger?: false | LogLevel[];
}

/**
 * The Gatehouse application, wired as main.ts runs it: the e2e tests build theirs
 * here too, so they test what users run.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: options.logger,
  });
  app.useWebSocketAdapter(new GatehouseWsAdapter(app));
  // On SIGTERM/SIGINT: close sockets (1001) and the server, then exit with status 0
  // (without useProcessExit Nest re-raises the signal and the status is not 0).
  app.enableShutdownHooks([], { useProcessExit: true });
  return app;
}
