import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { JwksServer, eventually, publicJwk } from './support/jwks-server.js';
import { startServer, stopServer, type Started } from './support/server-process.js';
import { generateEd25519 } from './support/tokens.js';

// /health is public: it says ok or not and why in words, never the key set URL (the
// query may hold an API key), a key or an error's own text (OpenSSL's, a stack, a path).

const SECRET = 'SECRET-4f9a1c';
const PATH = '/tenant-7f3/jwks.json';

/** What /health and /health/ready answer, as text, once the key set's first fetch has failed. */
async function healthTexts(server: Started): Promise<{ health: request.Response; ready: request.Response }> {
  const health = await request(server.url).get('/health');
  const ready = await request(server.url).get('/health/ready');
  return { health, ready };
}

/** Nothing a stranger should learn: the URL's secret, host or path, nor an error's internals. */
function expectNothingPrivate(text: string, host: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('api_key');
  expect(text).not.toContain(host);
  expect(text).not.toContain('tenant-7f3');
  expect(text).not.toMatch(/error:[0-9A-F]{8}|routines|openssl|\.c:\d+|ERR_|    at /i);
}

describe('/health with a failing key set names no URL and no error internals', () => {
  const jwks = new JwksServer();
  let plain: Server; // answers http, asked for https: a TLS failure with OpenSSL's text
  const servers: Started[] = [];
  let host: string;

  beforeAll(async () => {
    await jwks.start();
    host = new URL(jwks.url).host;
    plain = createServer((_request, response) => response.end('{}'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => stopServer(server)));
    await jwks.stop();
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
  });

  const start = async (url: string) => {
    const server = await startServer({ AUTH_MODE: 'secure', AUTH_JWT_JWKS_URL: url, LOG_FORMAT: 'json' }, undefined, '/health/live');
    servers.push(server);
    return server;
  };

  it('an HTTP error: the status, not the URL or its api_key', async () => {
    jwks.status = 500;
    const server = await start(`http://${host}${PATH}?api_key=${SECRET}`);
    await eventually(() => expect(server.output()).toContain('answered HTTP 500'));
    const { health, ready } = await healthTexts(server);
    expectNothingPrivate(health.text, host);
    expectNothingPrivate(ready.text, host);
    expect(health.status).toBe(503);
    expect(health.body.message).toBe('identity provider key set not loaded yet: fetch failed (HTTP 500)');
    expect(ready.status).toBe(503);
    expect(ready.body.error.keys.message).toBe('identity provider key set not loaded yet: fetch failed (HTTP 500)');
    // The log keeps the detail, with the query's values masked.
    expect(server.output()).toContain(`${PATH}?api_key=***`);
    expect(server.output()).not.toContain(SECRET);
  });

  it('a TLS failure: a category, not OpenSSL text', async () => {
    const plainHost = `127.0.0.1:${(plain.address() as AddressInfo).port}`;
    const server = await start(`https://${plainHost}${PATH}?api_key=${SECRET}`);
    await eventually(() => expect(server.output()).toContain('request failed'));
    const { health, ready } = await healthTexts(server);
    expectNothingPrivate(health.text, plainHost);
    expectNothingPrivate(ready.text, plainHost);
    expect(health.body.message).toBe('identity provider key set not loaded yet: fetch failed (TLS error)');
    expect(server.output()).not.toContain(SECRET);
  });

  it('keys that cannot be used: what is wrong in words, then ok once the set is good', async () => {
    jwks.status = 200;
    jwks.keys = [
      { kty: 'RSA', kid: 'short', n: 'AQAB', e: 'AQAB' },
      { kty: 'EC', kid: 'off-curve', crv: 'P-256', x: 'AAAA', y: 'AAAA' },
      { kty: 'OKP', kid: 'garbled', crv: 'Ed25519', x: '!!!' },
    ];
    const server = await start(`http://${host}${PATH}?api_key=${SECRET}`);
    await eventually(() => expect(server.output()).toContain('holds no usable key'));
    const { health, ready } = await healthTexts(server);
    expectNothingPrivate(health.text, host);
    expectNothingPrivate(ready.text, host);
    expect(health.status).toBe(503);
    expect(health.body.message).toBe('identity provider key set not loaded yet: key set holds no usable key');
    expect(health.text).not.toContain('AQAB');

    jwks.keys = [publicJwk(generateEd25519().publicKey, { kid: 'good' })];
    await eventually(async () => expect((await request(server.url).get('/health')).status).toBe(200));
    const ok = await request(server.url).get('/health');
    expect(ok.body).toMatchObject({ status: 'ok', keySet: { keys: 1 } });
    expectNothingPrivate(ok.text, host);
    expect(server.output()).not.toContain(SECRET);
  });
});
