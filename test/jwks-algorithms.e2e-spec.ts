import request from 'supertest';
import type { RunningApp } from './support/app.js';
import { JwksServer, publicJwk, startWithKeySet } from './support/jwks-server.js';
import { generateEc, generateEd25519, generateRsa, now, rawToken, signedToken, validFor } from './support/tokens.js';

// One key set holding RS256, ES256 and EdDSA keys, an encryption key and alg-pinned
// keys: which tokens Gatehouse accepts from it.
describe('JWKS: algorithms, use and alg pinning', () => {
  const rsa = generateRsa();
  const ec = generateEc('P-256');
  const ed = generateEd25519();
  const enc = generateRsa();
  const pinned = generateRsa();
  const jwks = new JwksServer();
  let running: RunningApp;

  const session = (token: string) => request(running.url).get('/api/session').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    await jwks.start();
    jwks.keys = [
      publicJwk(rsa.publicKey, { kid: 'rsa-1', use: 'sig' }),
      publicJwk(ec.publicKey, { kid: 'ec-1', alg: 'ES256' }),
      publicJwk(ed.publicKey, { kid: 'ed-1' }),
      publicJwk(enc.publicKey, { kid: 'enc-1', use: 'enc' }),
      publicJwk(pinned.publicKey, { kid: 'pinned-ps256', alg: 'PS256' }),
    ];
    running = await startWithKeySet(jwks);
  });
  afterAll(async () => {
    await running.app.close();
    await jwks.stop();
  });

  it('reports the loaded key set on /health', async () => {
    const res = await request(running.url).get('/health');
    expect(res.body).toMatchObject({ status: 'ok', authMode: 'secure', keySet: { keys: 4 } });
  });

  it.each([
    ['RS256', rsa, 'rsa-1'],
    ['ES256', ec, 'ec-1'],
    ['EdDSA', ed, 'ed-1'],
    ['PS256', pinned, 'pinned-ps256'],
  ] as const)('accepts %s tokens by kid', async (alg, pair, kid) => {
    const res = await session(signedToken({ sub: `user-${alg}`, ...validFor() }, { alg, key: pair.privateKey, kid }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: `user-${alg}`, authMode: 'secure' });
  });

  it('tries a token without kid against every key that fits its alg', async () => {
    expect((await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: ed.privateKey }))).status).toBe(200);
    expect((await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: rsa.privateKey }))).status).toBe(200);
  });

  it('refuses a key whose use is not sig, even by its own kid', async () => {
    const res = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: enc.privateKey, kid: 'enc-1' }));
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('key_not_found');
  });

  it('pins a key to its own alg', async () => {
    // The PS256-pinned RSA key signs an RS256 token: a key for the kid exists, but not for RS256.
    const res = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: pinned.privateKey, kid: 'pinned-ps256' }));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'signature_invalid', message: 'Invalid token signature' });
    // The ES256 key asked to verify an RS256 token: no.
    const cross = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: rsa.privateKey, kid: 'ec-1' }));
    expect(cross.body.reason).toBe('signature_invalid');
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const res = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: generateRsa().privateKey, kid: 'rsa-1' }));
    expect(res.body.reason).toBe('signature_invalid');
  });

  it('refuses HS256 and none: never allowed with a key set', async () => {
    const hs = signedToken({ sub: 'alice', ...validFor() }, { alg: 'HS256', key: new Uint8Array(32).fill(1), kid: 'rsa-1' });
    expect((await session(hs)).body.reason).toBe('alg_not_allowed');
    const none = rawToken({ alg: 'none', kid: 'rsa-1' }, { sub: 'alice', iat: now(), exp: now() + 60 }, '');
    expect((await session(none)).body.reason).toBe('alg_not_allowed');
  });

  it('answers an unknown kid with key_not_found and the RFC 6750 header', async () => {
    const res = await session(signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: rsa.privateKey, kid: 'nobody' }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      reason: 'key_not_found',
      message: "No key found for the token's kid",
    });
    expect(res.headers['www-authenticate']).toBe(
      `Bearer realm="gatehouse", error="invalid_token", error_description="No key found for the token's kid"`,
    );
  });
});
