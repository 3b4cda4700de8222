import request from 'supertest';
import type { RunningApp } from './support/app.js';
import { JwksServer, eventually, publicJwk, startWithKeySet } from './support/jwks-server.js';
import { generateEc, signedToken, validFor } from './support/tokens.js';

// Tokens naming kids the set does not hold must not turn Gatehouse into a
// request amplifier against the identity provider.
describe('JWKS: unknown kids are refetched at most once per 30 s', () => {
  const key = generateEc('P-256');
  const jwks = new JwksServer();
  let running: RunningApp;

  const session = (token: string) => request(running.url).get('/api/session').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    await jwks.start();
    jwks.keys = [publicJwk(key.publicKey, { kid: 'k1', alg: 'ES256' })];
    running = await startWithKeySet(jwks, { AUTH_JWT_ALG: 'ES256, EdDSA' });
  });
  afterAll(async () => {
    await running.app.close();
    await jwks.stop();
  });

  it('fetches once for 20 concurrent requests with unknown kids', async () => {
    expect(jwks.hits).toBe(1);
    jwks.delayMs = 1500; // keep the refetch in flight while the others arrive
    const tokens = Array.from({ length: 20 }, (_, i) =>
      signedToken({ sub: 'alice', ...validFor() }, { alg: 'ES256', key: key.privateKey, kid: `unknown-${i}` }),
    );
    const pending = Promise.all(tokens.map((token) => session(token).then((res) => res)));
    await eventually(() => expect(jwks.hits).toBe(2));

    // A slow provider never delays a token the cached keys can verify.
    const known = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'ES256', key: key.privateKey, kid: 'k1' }));
    expect(known.status).toBe(200);
    expect(jwks.answered).toBe(1);

    const answers = await pending;
    expect(answers.map((res) => res.body.reason)).toEqual(Array(20).fill('key_not_found'));
    expect(jwks.hits).toBe(2);
  });

  it('does not fetch again for 20 more sequential unknown kids within 30 s', async () => {
    jwks.delayMs = 0;
    for (let i = 0; i < 20; i++) {
      const res = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'ES256', key: key.privateKey, kid: `later-${i}` }));
      expect(res.body.reason).toBe('key_not_found');
    }
    expect(jwks.hits).toBe(2);
    // Known kids keep working meanwhile.
    expect((await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'ES256', key: key.privateKey, kid: 'k1' }))).status).toBe(
      200,
    );
  });
});
