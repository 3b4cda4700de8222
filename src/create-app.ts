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
 * What an application needs besides importing Gatehouse's modules, before `init()` or
 * `listen()`: the WebSocket adapter (authentication at upgrade, the `/ws` protocol).
 * Call it on apps you build yourself, e.g. with Test.createTestingModule in e2e tests.
 */
export function useGatehouse(app: NestFastifyApplication): NestFastifyApplication {
  app.useWebSocketAdapter(new GatehouseWsAdapter(app));
  return app;
}

/**
 * The Gatehouse application, wired as main.ts runs it: the e2e tests build theirs
 * here too, so they test what users run.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
    logger: options.logger,
    // Reject instead of exiting the process, so callers (main.ts, tests) see the error.
    abortOnError: false,
  });
  return useGatehouse(app);
}
