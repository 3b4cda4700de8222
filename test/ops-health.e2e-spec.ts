import { HealthIndicatorService } from '@nestjs/terminus';
import request from 'supertest';
import { ReadinessChecks } from '../src/lib/health/readiness-checks.js';
import { startApp, type RunningApp } from './support/app.js';

describe('health probes', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure' });
  });
  afterAll(() => server.app.close());

  it('keeps GET /health as the contract says', async () => {
    const res = await request(server.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  it('GET /health/live answers 200 without a token', async () => {
    const res = await request(server.url).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('GET /health/ready answers 200, then 503 while a registered check is down', async () => {
    expect((await request(server.url).get('/health/ready')).status).toBe(200);
    let keysLoaded = false;
    const indicators = server.app.get(HealthIndicatorService);
    server.app
      .get(ReadinessChecks)
      .register('keys', () =>
        keysLoaded ? indicators.check('keys').up() : indicators.check('keys').down({ message: 'key set not loaded yet' }),
      );
    const down = await request(server.url).get('/health/ready');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'error', error: { keys: { status: 'down', message: 'key set not loaded yet' } } });
    keysLoaded = true;
    const up = await request(server.url).get('/health/ready');
    expect(up.status).toBe(200);
    expect(up.body.details.keys.status).toBe('up');
  });

  it('refuses a second check under the same name', () => {
    const readiness = server.app.get(ReadinessChecks);
    readiness.register('once', () => ({ once: { status: 'up' } }));
    expect(() => readiness.register('once', () => ({ once: { status: 'up' } }))).toThrow(/already registered/);
  });

  it('stops being ready once shutdown begins', async () => {
    server.app.get(ReadinessChecks).beforeApplicationShutdown();
    const res = await request(server.url).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body.error.shutdown.status).toBe('down');
    expect((await request(server.url).get('/health/live')).status).toBe(200);
  });
});
