import request from 'supertest';
import type { RunningApp } from './support/app.js';
import { JwksServer, publicJwk, startWithKeySet } from './support/jwks-server.js';
import { generateRsa, signedToken, validFor } from './support/tokens.js';

// The provider rotates its key while Gatehouse runs, then goes down: no restart, and
// the keys already fetched keep working.
describe('JWKS: rotation and an endpoint that goes down', () => {
  const oldKey = generateRsa();
  const newKey = generateRsa();
  const jwks = new JwksServer();
  let running: RunningApp;

  const session = (token: string) => request(running.url).get('/api/session').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    await jwks.start();
    jwks.keys = [publicJwk(oldKey.publicKey, { kid: 'old', alg: 'RS256', use: 'sig' })];
    running = await startWithKeySet(jwks, { AUTH_JWT_ALG: 'RS256' });
  });
  afterAll(async () => {
    await running.app.close();
    await jwks.stop();
  });

  it('accepts a key the provider starts publishing, without a restart', async () => {
    const before = jwks.hits;
    expect((await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: oldKey.privateKey, kid: 'old' }))).status).toBe(
      200,
    );
    expect(jwks.hits).toBe(before); // a known kid is served from the cache

    jwks.keys = [
      publicJwk(oldKey.publicKey, { kid: 'old', alg: 'RS256', use: 'sig' }),
      publicJwk(newKey.publicKey, { kid: 'new', alg: 'RS256', use: 'sig' }),
    ];
    const res = await session(signedToken({ sub: 'bob', ...validFor() }, { alg: 'RS256', key: newKey.privateKey, kid: 'new' }));
    expect(res.status).toBe(200);
    expect(res.body.sub).toBe('bob');
    expect(jwks.hits).toBe(before + 1);
    expect((await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: oldKey.privateKey, kid: 'old' }))).status).toBe(
      200,
    );
  });

  it('keeps verifying with the cached keys when the endpoint goes down', async () => {
    await jwks.stop();
    for (const [key, kid] of [
      [oldKey, 'old'],
      [newKey, 'new'],
    ] as const) {
      const res = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: key.privateKey, kid }));
      expect(res.status).toBe(200);
    }
    // An unknown kid now: the refetch fails (within the cooldown it is not even tried),
    // the answer is key_not_found, and the known keys still work afterwards.
    const unknown = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: newKey.privateKey, kid: 'gone' }));
    expect(unknown.body.reason).toBe('key_not_found');
    expect((await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: newKey.privateKey, kid: 'new' }))).status).toBe(
      200,
    );
    expect((await request(running.url).get('/health')).status).toBe(200);
  });
});
