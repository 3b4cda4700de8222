import { createHmac } from 'node:crypto';
import { freePort, startServer, stopServer, type Started } from './support/server-process.js';
import { now, segment } from './support/tokens.js';

// What is public under NODE_ENV=production (docs/protocol.md §10): /metrics only on its
// own listener (METRICS_PORT), /api/docs off unless API_DOCS_ENABLED=true. Before, both
// were open on the public listener in production, swagger-ui's files included. Against
// `node dist/main.js`; the same server without NODE_ENV shows what production turns off.

const SECRET = 'a-secret-that-is-at-least-32-bytes-long!!';
const SECURE = { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET };

function validToken(): string {
  const input = `${segment(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${segment(JSON.stringify({ sub: 'alice', iat: now(), exp: now() + 600 }))}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

async function get(url: string, token?: string) {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text() };
}

describe('NODE_ENV=production', () => {
  let server: Started;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    server = await startServer({ ...SECURE, NODE_ENV: 'production', METRICS_PORT: String(metricsPort) });
  });
  afterAll(() => stopServer(server));

  it('/metrics is not on PORT: 401 without a token, 404 with one, like any unknown route', async () => {
    const refused = await get(`${server.url}/metrics`);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).reason).toBe('token_missing');
    expect((await get(`${server.url}/metrics`, validToken())).status).toBe(404);
  });

  it('/metrics is on METRICS_PORT, without a token', async () => {
    const metrics = await get(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('gatehouse_auth_total');
    // Only /metrics there.
    expect((await get(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(404);
  });

  it('/api/docs and its files are off: 401 without a token, 404 with one', async () => {
    for (const path of ['/api/docs', '/api/docs/json', '/api/docs/swagger-ui.css', '/api/docs/package.json']) {
      expect((await get(`${server.url}${path}`)).status, path).toBe(401);
      expect((await get(`${server.url}${path}`, validToken())).status, path).toBe(404);
    }
  });
});

describe('NODE_ENV=production with API_DOCS_ENABLED=true', () => {
  let server: Started;
  beforeAll(async () => {
    server = await startServer({ ...SECURE, NODE_ENV: 'production', METRICS_PORT: String(await freePort()), API_DOCS_ENABLED: 'true' });
  });
  afterAll(() => stopServer(server));

  it('serves /api/docs; /metrics stays off PORT', async () => {
    expect((await get(`${server.url}/api/docs`)).status).toBe(200);
    expect((await get(`${server.url}/api/docs/json`)).status).toBe(200);
    expect((await get(`${server.url}/metrics`)).status).toBe(401);
  });
});

describe('without NODE_ENV (what production turns off)', () => {
  let server: Started;
  beforeAll(async () => {
    server = await startServer(SECURE);
  });
  afterAll(() => stopServer(server));

  it('/metrics and /api/docs are on PORT, public', async () => {
    expect((await get(`${server.url}/metrics`)).status).toBe(200);
    expect((await get(`${server.url}/api/docs`)).status).toBe(200);
  });
});
