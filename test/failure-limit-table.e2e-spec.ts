import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { signedToken, validFor } from './support/tokens.js';

// AUTH_FAIL_MAX_ADDRESSES bounds the failure limiter's table. A blocked address must
// not get its block cleared by failing from many other addresses until the table is
// full: a full table tracks no new address and keeps every live one.
describe('failure limiter table full', () => {
  const secret = 'gatehouse-failure-table-test-secret-32+';
  let server: RunningApp;
  let badToken: string;
  beforeAll(async () => {
    server = await startApp({
      AUTH_MODE: 'secure',
      AUTH_JWT_ALG: 'HS256',
      AUTH_JWT_KEY: secret,
      AUTH_FAIL_LIMIT: '3',
      AUTH_FAIL_WINDOW_SECONDS: '600',
      AUTH_FAIL_MAX_ADDRESSES: '100',
      TRUST_PROXY: 'true',
    });
    // Refused with signature_invalid: a failure under any counting rule.
    badToken = signedToken({ sub: 'mallory', ...validFor() }, { alg: 'HS256', key: 'some-other-secret-some-other-secret-32+' });
  });
  afterAll(() => server.app.close());

  const attempt = async (address: string) => {
    const res = await request(server.url).get('/api/session').set('X-Forwarded-For', address).set('Authorization', `Bearer ${badToken}`);
    return res.status;
  };

  it('keeps a blocked address blocked while 150 other addresses fail', async () => {
    const attacker = '198.51.100.60';
    for (let i = 0; i < 3; i++) expect(await attempt(attacker)).toBe(401);
    expect(await attempt(attacker)).toBe(429);
    for (let i = 0; i < 150; i++) expect(await attempt(`203.0.${i >> 8}.${i & 255}`)).toBe(401);
    expect(await attempt(attacker)).toBe(429);
    // Addresses that arrived after the table filled are not tracked: never limited.
    for (let i = 0; i < 5; i++) expect(await attempt('192.0.2.200')).toBe(401);
  });
});
