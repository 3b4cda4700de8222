import { connect } from 'node:net';
import { Controller, Get, Injectable, Module, Post, type BeforeApplicationShutdown } from '@nestjs/common';
import { AbstractHttpAdapter } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { GatehouseHealthModule, GatehouseHttpModule, GatehouseMetricsModule, GatehouseModule } from '../src/index.js';
import { PLATFORMS, startHostApp, type HostApp } from './support/host-app.js';
import { unsignedToken } from './support/tokens.js';

// docs/protocol.md §14 and §10 in a host app, on Express and Fastify: health, metrics,
// GatehouseHttpModule (503 while closing, connections that say nothing), and an HTTP
// adapter Gatehouse does not support.

@Controller('notes')
class NotesController {
  @Get()
  list() {
    return [];
  }

  @Post()
  add() {
    return {};
  }
}

/** Holds app.close() after the destroy hooks, until the test lets it go on. */
@Injectable()
class ShutdownLatch implements BeforeApplicationShutdown {
  release: () => void = () => undefined;
  reached: Promise<void>;
  private reach: () => void = () => undefined;
  private held = false;
  constructor() {
    this.reached = new Promise((resolve) => (this.reach = resolve));
  }
  /** Holds the first close only (afterAll closes again). */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.held) return;
    this.held = true;
    this.reach();
    await new Promise<void>((resolve) => (this.release = resolve));
  }
}

@Module({
  imports: [
    GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false }),
    GatehouseHealthModule,
    GatehouseMetricsModule.forRoot(),
    GatehouseHttpModule.forRoot({ headersTimeoutMs: 400, keepAliveTimeoutMs: 400 }),
  ],
  controllers: [NotesController],
  providers: [ShutdownLatch],
})
class OpsAppModule {}

/** Opens a connection, writes `text`, and resolves what came back and how long until the server closed it. */
function untilClosed(port: number, text: string): Promise<{ data: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => text && socket.write(text));
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('still open after 5 s'));
    }, 5000);
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data, ms: Date.now() - started });
    });
  });
}

describe.each(PLATFORMS)('operations in a host app (%s)', (platform) => {
  let host: HostApp;
  beforeAll(async () => {
    host = await startHostApp(await Test.createTestingModule({ imports: [OpsAppModule] }).compile(), platform);
  });
  afterAll(() => host.app.close());

  it('health and the probes answer without a token', async () => {
    const health = await request(host.url).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok' });
    expect((await request(host.url).get('/health/live')).status).toBe(200);
    expect((await request(host.url).get('/health/ready')).status).toBe(200);
  });

  it('metrics time every request under its route pattern, refusals and unknown paths included', async () => {
    expect((await request(host.url).get('/notes')).status).toBe(401);
    expect((await request(host.url).post('/notes').send({ a: 1 })).status).toBe(401);
    expect(
      (
        await request(host.url)
          .get('/notes')
          .set('Authorization', `Bearer ${unsignedToken({ sub: 'a' })}`)
      ).status,
    ).toBe(200);
    expect((await request(host.url).get('/no/such/path')).status).toBe(401);
    const text = (await request(host.url).get('/metrics')).text;
    const count = (method: string, route: string, status: number) =>
      Number(
        new RegExp(
          `^gatehouse_http_request_duration_seconds_count\\{method="${method}",route="${route}",status_code="${status}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1] ?? 0,
      );
    expect(count('GET', '/notes', 401)).toBe(1);
    expect(count('POST', '/notes', 401)).toBe(1);
    expect(count('GET', '/notes', 200)).toBe(1);
    expect(count('GET', 'unmatched', 401)).toBe(1);
    expect(text).not.toContain('/no/such/path');
  });

  it('a connection that sends nothing, or half a request head, is closed after headersTimeoutMs', async () => {
    const silent = await untilClosed(host.port, '');
    expect(silent.ms).toBeGreaterThanOrEqual(350);
    expect(silent.ms).toBeLessThan(2500);
    const half = await untilClosed(host.port, 'GET /health HTTP/1.1\r\nHost: localhost\r\n');
    expect(half.ms).toBeLessThan(2500);
    expect(half.data).not.toContain(' 200 ');
  });

  it('a connection idle after its answer is closed after keepAliveTimeoutMs', async () => {
    const { data, ms } = await untilClosed(host.port, 'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(data.startsWith('HTTP/1.1 200')).toBe(true);
    expect(ms).toBeLessThan(3000);
  });

  it('while the app closes, a new request gets 503 at once, with Connection: close', async () => {
    const latch = host.app.get(ShutdownLatch);
    // A connection opened before the close starts, so that the request can still arrive.
    const socket = connect(host.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closing = host.app.close();
    await latch.reached;
    const answer = new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('close', () => resolve(data));
    });
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const data = await answer;
    latch.release();
    await closing;
    expect(data.startsWith('HTTP/1.1 503')).toBe(true);
    expect(data.toLowerCase()).toContain('connection: close');
    expect(data).toContain('"message":"Server is shutting down"');
  });
});

/** An HTTP adapter of no supported platform: the least a custom one implements. */
class OtherAdapter extends AbstractHttpAdapter {
  constructor() {
    super({});
  }
  getType() {
    return 'other-platform';
  }
  initHttpServer() {}
  close() {}
  useStaticAssets() {}
  setViewEngine() {}
  getRequestHostname() {}
  getRequestMethod() {}
  getRequestUrl() {}
  status() {}
  reply() {}
  end() {}
  render() {}
  redirect() {}
  setErrorHandler() {}
  setNotFoundHandler() {}
  isHeadersSent() {}
  getHeader() {}
  setHeader() {}
  appendHeader() {}
  registerParserMiddleware() {}
  enableCors() {}
  createMiddlewareFactory() {
    return () => undefined;
  }
  applyVersionFilter(handler: Function) {
    return () => handler;
  }
}

describe('another HTTP adapter', () => {
  it('stops the app at startup, in one line naming the two supported', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [GatehouseModule.forRoot({ mode: 'insecure' })],
      controllers: [NotesController],
    }).compile();
    const app = moduleRef.createNestApplication(new OtherAdapter() as never, { logger: false, abortOnError: false } as never);
    const error = await app.init().then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/@nestjs\/platform-express/);
    expect(error?.message).toMatch(/@nestjs\/platform-fastify/);
    expect(error?.message).toContain('"other-platform"');
    expect(error?.message).not.toContain('\n');
  });
});
