import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { eventually } from './support/jwks-server.js';
import { OidcProvider, RESOURCE, newSigningKey } from './support/oidc-provider.js';
import { freePort } from './support/server-process.js';
import { generateEc, signedToken, validFor } from './support/tokens.js';

// Several issuers (docs/protocol.md §16) against two real OpenID providers at once
// (`oidc-provider`), each with its own key under the SAME kid on purpose, found by
// discovery, issuing RFC 9068 access tokens (typ at+jwt) with scopes.

const session = (running: RunningApp, token: string) => request(running.url).get('/api/session').set('Authorization', `Bearer ${token}`);

function issuersEnv(...entries: Record<string, unknown>[]) {
  return { AUTH_MODE: 'secure', AUTH_JWT_ISSUERS: JSON.stringify(entries) };
}

describe('two OpenID providers, one kid, each its own keys', () => {
  const a = new OidcProvider(newSigningKey('shared'));
  const b = new OidcProvider(newSigningKey('shared'));
  let running: RunningApp;

  beforeAll(async () => {
    await Promise.all([a.start(), b.start()]);
    running = await startApp(
      issuersEnv(
        { issuer: a.issuer, audience: RESOURCE, requireTyp: 'at+jwt' },
        // A list of audiences, and the type written with its media-type prefix.
        { issuer: b.issuer, audience: ['https://other.example', RESOURCE], requireTyp: 'application/at+jwt' },
      ),
    );
    await eventually(async () => expect((await request(running.url).get('/health')).status).toBe(200));
  });
  afterAll(async () => {
    await running.app.close();
    await Promise.all([a.stop(), b.stop()]);
  });

  it("accepts each provider's own access tokens, minted by the provider, scopes included", async () => {
    for (const provider of [a, b]) {
      const token = await provider.accessToken('notes:read notes:write');
      const res = await session(running, token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        sub: 'service',
        authMode: 'secure',
        claims: { iss: provider.issuer, scope: 'notes:read notes:write' },
      });
    }
    // Each provider was asked for its own discovery document and key set, once.
    for (const provider of [a, b]) {
      expect(provider.hitsOf('/.well-known/openid-configuration')).toBe(1);
      expect(provider.hitsOf('/jwks')).toBe(1);
    }
  });

  it("refuses a token of one provider signed with the other's key under the same kid", async () => {
    const aAsB = a.forged(b.key.privateKey);
    const bAsA = b.forged(a.key.privateKey);
    for (const token of [aAsB, bAsA]) {
      const res = await session(running, token);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', reason: 'signature_invalid', message: 'Invalid token signature' });
    }
    // Its own key, same claims: accepted, so the refusal above was the key, nothing else.
    expect((await session(running, a.forged(a.key.privateKey))).status).toBe(200);
  });

  it('refuses an issuer that is not configured: 401 claim_invalid "Unknown issuer"', async () => {
    const stranger = generateEc('P-256');
    const token = signedToken(
      { iss: 'https://stranger.example', aud: RESOURCE, sub: 'eve', ...validFor() },
      { alg: 'ES256', key: stranger.privateKey, kid: 'shared', header: { typ: 'at+jwt' } },
    );
    const res = await session(running, token);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'claim_invalid', message: 'Unknown issuer' });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="gatehouse", error="invalid_token", error_description="Unknown issuer"');
  });

  it('requires typ at+jwt: a plain JWT is 401 token_type_invalid; case and application/ do not matter', async () => {
    const plain = await session(running, a.forged(a.key.privateKey, {}, 'JWT'));
    expect(plain.status).toBe(401);
    expect(plain.body).toMatchObject({ reason: 'token_type_invalid', message: 'Invalid token type' });
    const none = await session(
      running,
      signedToken(
        { iss: b.issuer, aud: RESOURCE, sub: 'x', ...validFor() },
        { alg: 'ES256', key: b.key.privateKey, kid: 'shared', header: { typ: undefined } },
      ),
    );
    expect(none.body.reason).toBe('token_type_invalid');
    expect((await session(running, a.forged(a.key.privateKey, {}, 'application/AT+JWT'))).status).toBe(200);
  });

  it('checks each issuer’s own audience list', async () => {
    const elsewhere = await session(running, b.forged(b.key.privateKey, { aud: 'https://third.example' }));
    expect(elsewhere.body).toMatchObject({ reason: 'claim_invalid', message: 'Invalid "aud" claim value: "https://third.example"' });
    expect((await session(running, b.forged(b.key.privateKey, { aud: ['x', 'https://other.example'] }))).status).toBe(200);
    // A's list is only RESOURCE.
    expect((await session(running, a.forged(a.key.privateKey, { aud: 'https://other.example' }))).body.reason).toBe('claim_invalid');
  });

  it("rotates one provider's key while the other is left untouched", async () => {
    const oldA = await a.accessToken();
    const bToken = await b.accessToken();
    expect((await session(running, oldA)).status).toBe(200);
    const bFetches = b.hitsOf('/jwks');
    const bDiscovery = b.hitsOf('/.well-known/openid-configuration');

    a.rotate(newSigningKey('rotated'));
    const newA = await a.accessToken();
    // A new kid: A's key set is fetched again at once, and the token accepted.
    expect((await session(running, newA)).status).toBe(200);
    // The old key left A's set: its tokens now fail, the cache notwithstanding.
    expect((await session(running, oldA)).body.reason).toBe('key_not_found');
    // B: nothing fetched, its tokens as good as before, its old kid still its own.
    expect((await session(running, bToken)).status).toBe(200);
    expect(b.hitsOf('/jwks')).toBe(bFetches);
    expect(b.hitsOf('/.well-known/openid-configuration')).toBe(bDiscovery);
    // A's new kid names nothing at B.
    const res = await session(running, b.forged(a.key.privateKey, { kid: 'rotated' }));
    expect(res.status).toBe(401);
  });
});

describe('one provider down at startup', () => {
  const up = new OidcProvider(newSigningKey('shared'));
  const down = new OidcProvider(newSigningKey('shared'));
  let downPort: number;
  let running: RunningApp;

  beforeAll(async () => {
    await up.start();
    downPort = await freePort();
    const downIssuer = `http://127.0.0.1:${downPort}`;
    running = await startApp(issuersEnv({ issuer: up.issuer, audience: RESOURCE }, { issuer: downIssuer, audience: RESOURCE }));
    await eventually(async () => expect((await request(running.url).get('/health')).status).toBe(200));
  });
  afterAll(async () => {
    await running.app.close();
    await Promise.all([up.stop(), down.stop()]);
  });

  it('serves the other provider; the one down gets 503 auth_unavailable and /health/ready names it by host', async () => {
    expect((await session(running, await up.accessToken())).status).toBe(200);

    const ready = await request(running.url).get('/health/ready');
    expect(ready.status).toBe(200);
    const keys = ready.body.info.keys;
    const host = `127.0.0.1:${downPort}`;
    expect(keys.message).toBe(`keys not loaded yet for issuer(s): ${host}`);
    expect(keys.issuers).toEqual([
      { issuer: up.host, ready: true },
      { issuer: host, ready: false, message: 'OpenID discovery not done yet: fetch failed (connection refused)' },
    ]);
    expect(JSON.stringify(ready.body)).not.toContain('http://');

    // A token for the provider that is down (signed with the key it will serve).
    const payload = { iss: `http://127.0.0.1:${downPort}`, aud: RESOURCE, sub: 'bob', ...validFor() };
    const token = signedToken(payload, { alg: 'ES256', key: down.key.privateKey, kid: 'shared' });
    const refused = await session(running, token);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      reason: 'auth_unavailable',
      message: 'Authentication is temporarily unavailable',
    });

    // Once it answers, its tokens are accepted (the retries find it).
    await down.start(downPort);
    await eventually(async () => expect((await session(running, token)).status).toBe(200), 20_000);
    const after = await request(running.url).get('/health/ready');
    expect(after.body.info.keys.issuers).toEqual([
      { issuer: up.host, ready: true },
      { issuer: host, ready: true },
    ]);
  }, 30_000);
});

describe('discovery whose document names another issuer', () => {
  let server: Server;
  let base: string;
  let jwksHits = 0;
  let running: RunningApp;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        // The configured issuer with a trailing slash: not the same string (§4.3).
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${base}/`, jwks_uri: `${base}/jwks` }));
      } else {
        jwksHits += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [] }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    running = await startApp({ AUTH_MODE: 'secure', AUTH_OIDC_ISSUER: base });
  });
  afterAll(async () => {
    await running.app.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('is refused: never ready, its key set never fetched, its tokens 503', async () => {
    await eventually(async () => {
      const health = await request(running.url).get('/health');
      expect(health.status).toBe(503);
      expect(health.body.message).toBe('OpenID discovery not done yet: discovery document names another issuer');
    });
    const key = generateEc('P-256');
    const res = await session(
      running,
      signedToken({ iss: base, sub: 'x', ...validFor() }, { alg: 'ES256', key: key.privateKey, kid: 'k' }),
    );
    expect(res.status).toBe(503);
    expect(jwksHits).toBe(0);
  });
});
