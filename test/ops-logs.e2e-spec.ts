import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../src/server/create-app.js';
import { now, unsignedToken } from './support/tokens.js';

// Structured logs (the README, "Operations"): one line per rejected authentication with its
// transport and reason, and never any token text. nestjs-pino keeps one logger per
// process, so this file builds one app, whose log lines it collects.
describe('logs', () => {
  const lines: string[] = [];
  let app: NestFastifyApplication;
  let url: string;
  // Each test its own client address (TRUST_PROXY=true), so the failure limit of one
  // does not reach the next.
  let client = 0;
  const from = () => `198.51.100.${++client}`;
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, any>);

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line: string) => line !== ''),
        );
        done();
      },
    });
    app = await createApp({
      env: {
        AUTH_MODE: 'insecure',
        LOG_LEVEL: 'trace',
        LOG_FORMAT: 'json',
        LOG_REQUESTS: 'true',
        AUTH_FAIL_LIMIT: '3',
        TRUST_PROXY: 'true',
      },
      logDestination: destination,
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => app.close());

  const secretSub = 'user-7f3a';
  const expired = unsignedToken({ sub: secretSub, exp: now() - 3600 });
  const valid = unsignedToken({ sub: 'alice', marker: 'VALID-TOKEN-MARKER' });
  const garbage = 'NOT.A-JWT-GARBAGE-MARKER';

  it('writes one JSON line per rejection, with transport, reason and address', async () => {
    lines.length = 0;
    const ip = from();
    await request(url).get('/api/session').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${expired}`).expect(401);
    const rejected = records().filter((r) => r.event === 'auth_rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      level: 30,
      transport: 'http',
      reason: 'token_expired',
      message: 'Expired token',
      address: ip,
    });
    // The request it belongs to, and the request log with the status.
    expect(rejected[0].req).toMatchObject({ method: 'GET', url: '/api/session' });
    const completed = records().find((r) => r.res?.statusCode === 401);
    expect(completed?.req.id).toBe(rejected[0].req.id);
  });

  it('logs an accepted authentication (at verbose: pino trace) with its sub', async () => {
    lines.length = 0;
    await request(url).get('/api/session').set('Authorization', `Bearer ${valid}`).expect(200);
    expect(records().find((r) => r.event === 'auth_accepted')).toMatchObject({ level: 10, transport: 'http', sub: 'alice' });
  });

  it('never writes a token: not from the header, a query string, or the body of a log line', async () => {
    lines.length = 0;
    const get = (path: string) => request(url).get(path).set('X-Forwarded-For', from());
    await get('/api/session').set('Authorization', `Bearer ${garbage}`).expect(401);
    await get('/api/session').set('Authorization', `bearer ${valid}`).expect(200);
    await get(`/api/session?token=${valid}&x=1`).set('Authorization', `Bearer ${expired}`).expect(401);
    await get(`/nowhere?access_token=${valid}`).set('Authorization', `Bearer ${valid}`).expect(404);
    await get('/api/session').set('Cookie', `session=${valid}`).expect(401);
    const text = lines.join('\n');
    expect(text).toContain('auth_rejected');
    for (const secret of [valid, expired, garbage, valid.split('.')[1], expired.split('.')[1], 'VALID-TOKEN-MARKER', 'GARBAGE-MARKER']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('token=[Redacted]');
  });

  it('logs the block once (warn), refusals after it only at debug', async () => {
    lines.length = 0;
    const ip = from();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request(url).get('/api/session').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${garbage}`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    const blocked = records().filter((r) => r.event === 'auth_address_blocked');
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({ level: 40, address: ip, failures: 3, windowSeconds: 60 });
    const limited = records().filter((r) => r.event === 'auth_rate_limited');
    expect(limited).toHaveLength(3);
    expect(limited.every((r) => r.level === 20)).toBe(true);
  });

  it('keeps probes and scrapes out of the request log', async () => {
    lines.length = 0;
    await request(url).get('/health').expect(200);
    await request(url).get('/health/ready').expect(200);
    await request(url).get('/metrics').expect(200);
    expect(records().filter((r) => r.res !== undefined)).toEqual([]);
  });
});
