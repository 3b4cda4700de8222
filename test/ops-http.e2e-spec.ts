import request from 'supertest';
import { TOKEN_REASONS } from '../src/lib/core/auth-failure.js';
import { startApp, type RunningApp } from './support/app.js';
import { unsignedToken } from './support/tokens.js';

describe('HTTP hygiene with the defaults', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure' });
  });
  afterAll(() => server.app.close());

  it('sends helmet security headers, on 200s and 401s alike', async () => {
    for (const res of [await request(server.url).get('/health'), await request(server.url).get('/api/session')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('sends no CORS headers when CORS_ORIGINS is unset', async () => {
    const res = await request(server.url).get('/api/session').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(server.url)
      .options('/api/session')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
  });

  it('describes the REST API at /api/docs/json, publicly', async () => {
    const res = await request(server.url).get('/api/docs/json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const session = doc.paths['/api/session'].get;
    expect(session.security).toEqual([{ bearer: [] }]);
    expect(session.responses['200'].content['application/json'].schema.required).toEqual(['sub', 'expiresAt', 'claims', 'authMode']);
    const unauthorized = session.responses['401'];
    expect(unauthorized.headers['WWW-Authenticate']).toBeDefined();
    const schema = unauthorized.content['application/json'].schema;
    expect(schema.properties.reason.enum).toEqual([...TOKEN_REASONS]);
    expect(schema.required).toEqual(['statusCode', 'error', 'reason', 'message']);
    expect(session.responses['429'].headers['Retry-After']).toBeDefined();
    expect(doc.paths['/health/ready']).toBeDefined();
    expect(doc.paths['/metrics']).toBeUndefined();
  });

  it('serves the docs UI, whose scripts the Content Security Policy allows', async () => {
    const res = await request(server.url).get('/api/docs');
    expect(res.status).toBe(200);
    expect(res.text).toContain('swagger-ui');
    // script-src 'self': every script must be a file of ours, none inline.
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\.\//);
      expect(body.trim()).toBe('');
    }
    const init = await request(server.url).get('/api/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
  });
});

describe('CORS_ORIGINS set', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' });
  });
  afterAll(() => server.app.close());

  it('answers a preflight from a listed origin, allowing Authorization', async () => {
    const res = await request(server.url)
      .options('/api/session')
      .set('Origin', 'https://admin.example.com')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/i);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('exposes WWW-Authenticate to the page, so it can read why a 401 happened', async () => {
    const res = await request(server.url).get('/api/session').set('Origin', 'https://app.example.com');
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(res.headers['access-control-expose-headers']).toMatch(/WWW-Authenticate/);
    const ok = await request(server.url)
      .get('/api/session')
      .set('Origin', 'https://app.example.com')
      .set('Authorization', `Bearer ${unsignedToken({ sub: 'alice' })}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('gives an unlisted origin no CORS headers', async () => {
    const res = await request(server.url).get('/api/session').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('API_DOCS_ENABLED=false', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', API_DOCS_ENABLED: 'false' });
  });
  afterAll(() => server.app.close());

  it('serves no docs: an unknown route like any other', async () => {
    expect((await request(server.url).get('/api/docs/json')).status).toBe(401);
  });
});
