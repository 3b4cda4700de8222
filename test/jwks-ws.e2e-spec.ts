import type { RunningApp } from './support/app.js';
import { JwksServer, publicJwk, startWithKeySet } from './support/jwks-server.js';
import { generateEc, signedToken, validFor } from './support/tokens.js';
import { connect, refusedUpgrade } from './support/ws-client.js';

// Key sets over WebSocket: key_not_found closes with 4401, and a slow refetch for a new
// kid does not turn an auth frame that came in time into auth_timeout.
describe('JWKS over WebSocket', () => {
  const first = generateEc('P-256');
  const rotated = generateEc('P-256');
  const jwks = new JwksServer();
  let running: RunningApp;

  beforeAll(async () => {
    await jwks.start();
    jwks.keys = [publicJwk(first.publicKey, { kid: 'k1', alg: 'ES256' })];
    running = await startWithKeySet(jwks, { AUTH_JWT_ALG: 'ES256', WS_AUTH_TIMEOUT_MS: '400' });
  });
  afterAll(async () => {
    await running.app.close();
    await jwks.stop();
  });

  it('an auth frame in time waits for a slow refetch instead of timing out', async () => {
    jwks.keys = [...jwks.keys, publicJwk(rotated.publicKey, { kid: 'k2', alg: 'ES256' })];
    jwks.delayMs = 1000; // longer than WS_AUTH_TIMEOUT_MS
    const client = await connect(running.port);
    client.auth(signedToken({ sub: 'alice', ...validFor() }, { alg: 'ES256', key: rotated.privateKey, kid: 'k2' }));
    const frame = await client.next(5000);
    expect(frame.event).toBe('session');
    await client.close();
  });

  it('an unknown kid (within the refetch cooldown): HTTP 401 key_not_found at the upgrade, close 4401 after an auth frame', async () => {
    const token = signedToken({ sub: 'alice', ...validFor() }, { alg: 'ES256', key: first.privateKey, kid: 'nobody' });
    const refused = await refusedUpgrade(running.port, { Authorization: `Bearer ${token}` });
    expect(refused.status).toBe(401);
    expect(refused.body.reason).toBe('key_not_found');
    const client = await connect(running.port);
    client.auth(token);
    expect(await client.next()).toEqual({ event: 'error', data: { reason: 'key_not_found', message: "No key found for the token's kid" } });
    expect(await client.closed).toEqual({ code: 4401, reason: 'key_not_found' });
  });
});
