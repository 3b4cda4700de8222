import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { JwksServer, eventually, publicJwk } from './support/jwks-server.js';
import { generateEd25519, signedToken, validFor } from './support/tokens.js';

// A provider that is down when Gatehouse starts: not a startup error, but a server
// that answers 503 on /health until the key set loads.
describe('JWKS: /health until the key set is loaded', () => {
  const key = generateEd25519();
  const jwks = new JwksServer();
  let running: RunningApp;

  beforeAll(async () => {
    await jwks.start();
    jwks.keys = [publicJwk(key.publicKey, { kid: 'ed', alg: 'EdDSA', use: 'sig' })];
    jwks.status = 500;
    running = await startApp({ AUTH_MODE: 'secure', AUTH_JWT_JWKS_URL: jwks.url });
  });
  afterAll(async () => {
    await running.app.close();
    await jwks.stop();
  });

  it('answers 503 "starting" while the provider fails, and 200 once it answers', async () => {
    await eventually(() => expect(jwks.hits).toBeGreaterThanOrEqual(2));
    const starting = await request(running.url).get('/health');
    expect(starting.status).toBe(503);
    expect(starting.body).toEqual({
      status: 'starting',
      authMode: 'secure',
      message: 'identity provider key set not loaded yet: fetch failed (HTTP 500)',
      keySet: { keys: 0, fetchedAt: null, lastError: 'fetch failed (HTTP 500)' },
    });
    const ready = await request(running.url).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error).toMatchObject({
      keys: { status: 'down', message: 'identity provider key set not loaded yet: fetch failed (HTTP 500)', keySet: { keys: 0 } },
    });
    expect((await request(running.url).get('/health/live')).status).toBe(200);

    jwks.status = 200;
    await eventually(async () => expect((await request(running.url).get('/health')).status).toBe(200));
    expect((await request(running.url).get('/health/ready')).status).toBe(200);
    const res = await request(running.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: key.privateKey, kid: 'ed' })}`);
    expect(res.status).toBe(200);
  });

  it('stays ready, with the old keys, when a refetch answers something that is not JSON', async () => {
    jwks.body = '<html>oops</html>';
    const hits = jwks.hits;
    const unknown = await request(running.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: key.privateKey, kid: 'other' })}`);
    expect(unknown.body.reason).toBe('key_not_found');
    expect(jwks.hits).toBe(hits + 1);

    const health = await request(running.url).get('/health');
    expect(health.status).toBe(200);
    expect(health.body.keySet).toMatchObject({ keys: 1, lastError: 'fetch failed (answer is not JSON)' });
    const res = await request(running.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: key.privateKey, kid: 'ed' })}`);
    expect(res.status).toBe(200);
  });
});
