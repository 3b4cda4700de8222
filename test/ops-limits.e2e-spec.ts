import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { unsignedToken } from './support/tokens.js';

// AUTH_FAIL_LIMIT failed authentications per client address per window, then further
// failing attempts get 429 with Retry-After until the window ends; a valid token is
// accepted from any address, always (docs/protocol.md §10, docs/operations.md).
describe('failed-authentication limit', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', AUTH_FAIL_LIMIT: '3', AUTH_FAIL_WINDOW_SECONDS: '1', TRUST_PROXY: 'true' });
  });
  afterAll(() => server.app.close());

  const valid = unsignedToken({ sub: 'alice' });
  const get = (ip: string, token?: string, path = '/api/session') => {
    const req = request(server.url).get(path).set('X-Forwarded-For', ip);
    return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
  };

  it('answers 429 with Retry-After after N failures, then recovers after the window', async () => {
    const ip = '203.0.113.1';
    for (let i = 0; i < 3; i++) expect((await get(ip, 'bad.token')).status).toBe(401);
    const limited = await get(ip, 'bad.token');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.headers['content-type']).toMatch(/application\/json/);
    expect(limited.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      reason: 'rate_limited',
      message: expect.any(String),
    });
    // A valid token from the same address is still accepted: the limit never locks out
    // the clients that share an address (a NAT, a load balancer) with an attacker.
    expect((await get(ip, valid)).status).toBe(200);
    // Unknown routes answer 401-or-404 depending on the token: a bad guess is limited the same way.
    expect((await get(ip, 'bad.token', '/no/such/route')).status).toBe(429);
    expect((await get(ip, valid, '/no/such/route')).status).toBe(404);
    // Public routes are not authentication: unaffected.
    expect((await get(ip, undefined, '/health')).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await get(ip, valid)).status).toBe(200);
    expect((await get(ip, 'bad.token')).status).toBe(401);
  });

  it('serves another address normally while one is limited', async () => {
    for (let i = 0; i < 5; i++) await get('203.0.113.66', 'bad.token');
    expect((await get('203.0.113.66', 'bad.token')).status).toBe(429);
    expect((await get('203.0.113.67', 'bad.token')).status).toBe(401);
  });

  it('does not count requests without a token (a signed-out client asking)', async () => {
    for (let i = 0; i < 10; i++) expect((await get('203.0.113.90')).status).toBe(401);
    expect((await get('203.0.113.90', 'bad.token')).status).toBe(401);
  });

  it('does not count expired tokens, and a limited address still hears token_expired', async () => {
    const expired = unsignedToken({ sub: 'alice', exp: Math.floor(Date.now() / 1000) - 60 });
    for (let i = 0; i < 10; i++) expect((await get('203.0.113.92', expired)).body.reason).toBe('token_expired');
    expect((await get('203.0.113.92', 'bad.token')).status).toBe(401);
    for (let i = 0; i < 3; i++) await get('203.0.113.93', 'bad.token');
    const res = await get('203.0.113.93', expired);
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('token_expired');
  });

  it('counts failures on unknown routes (401 vs 404 would tell a valid token)', async () => {
    for (let i = 0; i < 3; i++) expect((await get('203.0.113.91', 'bad.token', '/guess')).status).toBe(401);
    expect((await get('203.0.113.91', 'bad.token')).status).toBe(429);
  });
});

describe('failed-authentication limit without TRUST_PROXY', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', AUTH_FAIL_LIMIT: '2' });
  });
  afterAll(() => server.app.close());

  it('ignores X-Forwarded-For: a client cannot pick a fresh address per request', async () => {
    for (let i = 0; i < 2; i++) {
      await request(server.url).get('/api/session').set('X-Forwarded-For', `192.0.2.${i}`).set('Authorization', 'Bearer bad.token');
    }
    const res = await request(server.url)
      .get('/api/session')
      .set('X-Forwarded-For', '192.0.2.200')
      .set('Authorization', 'Bearer bad.token');
    expect(res.status).toBe(429);
  });
});

describe('AUTH_FAIL_LIMIT=0', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', AUTH_FAIL_LIMIT: '0' });
  });
  afterAll(() => server.app.close());

  it('never limits', async () => {
    for (let i = 0; i < 50; i++)
      expect((await request(server.url).get('/api/session').set('Authorization', 'Bearer x.y')).status).toBe(401);
  });
});
