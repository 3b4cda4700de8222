import type { INestApplication } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

/** The two HTTP platforms Gatehouse answers on; library-level suites run on each. */
export const PLATFORMS = ['express', 'fastify'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface HostApp {
  readonly app: INestApplication;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
}

export function adapterFor(platform: Platform): ExpressAdapter | FastifyAdapter {
  return platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
}

/**
 * Express's JSON body limit set to Fastify's default (1 MiB; Express's is 100 KB), so
 * that both platforms take the same bodies. Before init, as an app would.
 */
export function sameBodyLimit(app: INestApplication, platform: Platform): void {
  if (platform === 'express') (app as NestExpressApplication).useBodyParser('json', { limit: 1024 * 1024 });
}

/**
 * A host app from a compiled testing module, on `platform`, listening on a free loopback
 * port. `prepare` runs before it listens, as an app's main.ts would (a WebSocket adapter).
 */
export async function startHostApp(
  moduleRef: TestingModule,
  platform: Platform,
  prepare?: (app: INestApplication) => void,
): Promise<HostApp> {
  const app = moduleRef.createNestApplication(adapterFor(platform), { logger: false });
  sameBodyLimit(app, platform);
  prepare?.(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, port: address.port };
}
