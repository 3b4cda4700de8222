import request from 'supertest';
import { ADMIN_KEY } from './support/admin.js';
import { startApp, type RunningApp } from './support/app.js';
import { startServer, stopServer, tempDir } from './support/server-process.js';
import { signedToken, validFor } from './support/tokens.js';

// The failure limit's table (AUTH_FAIL_MAX_ADDRESSES) and how it counts addresses,
// through X-Forwarded-For behind a trusted proxy (TRUST_PROXY), as an attacker with
// many addresses would reach it.

const secret = 'gatehouse-failure-table-test-secret-32+';
const ENV = {
  AUTH_MODE: 'secure',
  AUTH_JWT_ALG: 'HS256',
  AUTH_JWT_KEY: secret,
  AUTH_FAIL_LIMIT: '3',
  AUTH_FAIL_WINDOW_SECONDS: '600',
  AUTH_FAIL_MAX_ADDRESSES: '100',
  TRUST_PROXY: 'true',
} as const;
// Refused with signature_invalid: a failure under any counting rule.
const badToken = signedToken({ sub: 'mallory', ...validFor() }, { alg: 'HS256', key: 'some-other-secret-some-other-secret-32+' });
const goodToken = signedToken({ sub: 'alice', ...validFor() }, { alg: 'HS256', key: secret });

const attempt = async (server: RunningApp, address: string, token = badToken) => {
  const res = await request(server.url).get('/api/session').set('X-Forwarded-For', address).set('Authorization', `Bearer ${token}`);
  return res.status;
};

describe('failure limiter table full', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp(ENV);
  });
  afterAll(() => server.app.close());

  it('keeps a blocked address blocked, and gives the addresses it cannot track one shared allowance, not none', async () => {
    const attacker = '198.51.100.60';
    for (let i = 0; i < 3; i++) expect(await attempt(server, attacker)).toBe(401);
    expect(await attempt(server, attacker)).toBe(429);
    // 99 more addresses fill the table (100 with the attacker's).
    for (let i = 0; i < 99; i++) expect(await attempt(server, `203.0.113.${i}`)).toBe(401);
    expect(await attempt(server, attacker)).toBe(429);
    // New addresses are not tracked one by one, but they do not fail open either:
    // together they get AUTH_FAIL_LIMIT failures per window, then 429.
    for (let i = 0; i < 3; i++) expect(await attempt(server, `192.0.2.${200 + i}`)).toBe(401);
    expect(await attempt(server, '192.0.2.250')).toBe(429);
    expect(await attempt(server, '192.0.2.251')).toBe(429);
    // A valid token is accepted from any of them, always.
    expect(await attempt(server, '192.0.2.251', goodToken)).toBe(200);
    expect(await attempt(server, attacker, goodToken)).toBe(200);
  });
});

describe('failure limit and IPv6', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ ...ENV, AUTH_FAIL_MAX_ADDRESSES: '10000' });
  });
  afterAll(() => server.app.close());

  it('counts an IPv6 client by its /64 network: moving within it does not clear the block', async () => {
    for (const host of ['1', '2', 'abcd:ef01:2345']) expect(await attempt(server, `2001:db8:1:2::${host}`)).toBe(401);
    expect(await attempt(server, '2001:db8:1:2:ffff:ffff:ffff:fffe')).toBe(429);
    expect(await attempt(server, '2001:db8:0001:0002:0:0:0:9')).toBe(429);
    // The next /64 is another client; a valid token from the blocked one passes.
    expect(await attempt(server, '2001:db8:1:3::1')).toBe(401);
    expect(await attempt(server, '2001:db8:1:2::77', goodToken)).toBe(200);
  });
});

describe('failed admin keys', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ ...ENV, ADMIN_API_KEY: ADMIN_KEY, GATEHOUSE_DATA_DIR: tempDir() });
  });
  afterAll(() => server.app.close());

  const list = (address: string, key: string) =>
    request(server.url).get('/admin/revocations').set('X-Forwarded-For', address).set('Authorization', `Bearer ${key}`);

  it('are counted by the failure limit: 401 up to AUTH_FAIL_LIMIT, then 429 rate_limited; the right key still works', async () => {
    const guesser = '198.51.100.99';
    for (let i = 0; i < 3; i++) expect((await list(guesser, `guess-${i}-${'x'.repeat(32)}`)).status).toBe(401);
    const limited = await list(guesser, `guess-4-${'x'.repeat(32)}`);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ statusCode: 429, reason: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The same allowance as bad tokens: the address is limited for those too.
    expect(await attempt(server, guesser)).toBe(429);
    expect((await list(guesser, ADMIN_KEY)).status).toBe(200);
    // Another address is not affected.
    expect((await list('198.51.100.100', 'wrong')).status).toBe(401);
  });
});

describe('failed admin keys in the log', { timeout: 30_000 }, () => {
  it('are logged with the address and the route, never with the key that was sent', async () => {
    const server = await startServer({ AUTH_MODE: 'insecure', ADMIN_API_KEY: ADMIN_KEY, LOG_FORMAT: 'json', TRUST_PROXY: 'true' });
    try {
      const guess = `a-guessed-key-${'q'.repeat(30)}`;
      const res = await fetch(`${server.url}/admin/revocations?sub=alice`, {
        headers: { authorization: `Bearer ${guess}`, 'x-forwarded-for': '203.0.113.9' },
      });
      expect(res.status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const line = server
        .output()
        .split('\n')
        .find((text) => text.includes('admin_key_refused'));
      expect(JSON.parse(line!)).toMatchObject({
        level: 40,
        event: 'admin_key_refused',
        msg: 'admin API refused: wrong admin key',
        address: '203.0.113.9',
        method: 'GET',
        path: '/admin/revocations',
      });
      expect(server.output()).not.toContain(guess);
      expect(server.output()).not.toContain('qqqqqqqqqq');
    } finally {
      await stopServer(server);
    }
  });
});
