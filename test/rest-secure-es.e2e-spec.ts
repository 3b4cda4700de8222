import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { expect401 } from './support/expect-401.js';
import type { Algorithm } from '../src/lib/core/algorithms.js';
import { generateEc, generateRsa, signedToken, validFor } from './support/tokens.js';

// Secure mode with an EC P-256 public key pasted into .env as one line with \n escapes,
// and claims under a JSON Pointer namespace.
const keys = generateEc('P-256');
const oneLinePem = keys.publicPem.trim().replace(/\n/g, '\\n');

const mint = (claims: object, alg: Algorithm = 'ES256', key = keys.privateKey) =>
  signedToken({ app: { 'claims/v1': claims }, ...validFor(600) }, { alg, key });

describe('REST in secure mode (ES256, JSON Pointer namespace)', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({
      AUTH_JWT_ALG: 'ES256',
      AUTH_JWT_KEY: oneLinePem,
      AUTH_JWT_NAMESPACE: '/app/claims~1v1',
    });
  });
  afterAll(() => server.app.close());

  it('accepts a token signed with the matching private key', async () => {
    const res = await request(server.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${mint({ sub: 'alice', org: 'acme' })}`);
    expect(res.status).toBe(200);
    expect(res.body.sub).toBe('alice');
    expect(res.body.claims).toEqual({ sub: 'alice', org: 'acme' });
  });

  it('refuses a token signed by another EC key', async () => {
    await expect401(server.url, mint({ sub: 'a' }, 'ES256', generateEc('P-256').privateKey), 'signature_invalid');
  });

  it('refuses an RS256 token even when its key is valid', async () => {
    await expect401(server.url, mint({ sub: 'a' }, 'RS256', generateRsa().privateKey), 'alg_not_allowed');
  });

  it('legacy user_id under the namespace', async () => {
    const res = await request(server.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${mint({ user_id: 'u-1' })}`);
    expect(res.body.sub).toBe('u-1');
  });
});
