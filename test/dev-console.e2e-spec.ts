import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startServer, stopServer, tempDir, type Started } from './support/server-process.js';

// GET /dev, the development console (docs/protocol.md §13.2), in headless Chromium
// against a real `node dist/main.js`: it mints a token, connects the built client, shows
// every event and close code with times, refreshes, and calls /api/session. Elsewhere
// (secure mode, production) it does not exist: 401 without a token, 404 with one.

const DOCS_SCREENSHOT = resolve(import.meta.dirname, '../docs/console.png');

describe('GET /dev in insecure mode', () => {
  let server: Started;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    // A namespace, so the page must put the claims where the server reads them.
    server = await startServer({
      AUTH_MODE: 'insecure',
      AUTH_JWT_NAMESPACE: '/app/claims',
      AUTH_JWT_CLOCK_TOLERANCE: '0',
      WS_EXPIRY_NOTICE_SECONDS: '1',
      LOG_LEVEL: 'warn',
    });
    browser = await launchChromium();
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    // A CSP violation, a failed request or a script error shows up here.
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${server.url}/dev`);
    await page.locator('body[data-ready="true"]').waitFor();
  });

  afterEach(async () => {
    await page?.close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServer(server);
  });

  const rows = (kind: string, text: string | RegExp) => page.locator(`#log tbody tr.row-${kind}`, { hasText: text });

  it('serves the page, its script and the built client to anyone, under the usual security headers', async () => {
    const html = await fetch(`${server.url}/dev`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const client = await fetch(`${server.url}/dev/client.js`);
    expect(client.headers.get('content-type')).toMatch(/^text\/javascript/);
    const built = readFileSync(resolve(import.meta.dirname, '../dist/client/gatehouse-client.js'), 'utf8');
    expect(await client.text()).toBe(built.replace(/\n\/\/# sourceMappingURL=.*$/, '\n'));
    expect(await (await fetch(`${server.url}/dev/settings.json`)).json()).toEqual({
      namespace: ['app', 'claims'],
      namespaceSetting: '/app/claims',
      clockTolerance: 0,
      wsPath: '/ws',
      expiryNoticeSeconds: 1,
    });
  });

  it('mints, connects, shows the session, calls /api/session, refreshes, sends and closes, each with its time', async () => {
    await page.fill('#sub', 'ada');
    await page.fill('#claims', '{"role": "admin"}');
    await page.fill('#lifetime', '600');
    await page.click('#connect');
    const session = rows('in', '← session').first();
    await session.waitFor();
    await expect.poll(() => page.textContent('#state')).toBe('authenticated');
    // The claims went under the namespace, and the server read them from there.
    expect(await session.textContent()).toContain('"sub":"ada","expiresAt":');
    expect(await session.textContent()).toContain('"claims":{"role":"admin","sub":"ada"}');
    expect(await session.locator('td.time').textContent()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
    expect(await rows('out', '→ auth').count()).toBe(1);

    await page.click('#call-session');
    await rows('http', 'GET /api/session → 200').waitFor();
    expect(await rows('http', 'GET /api/session').textContent()).toContain('"sub":"ada"');

    await page.click('#refresh');
    await expect.poll(() => rows('in', '← session').count()).toBe(2);
    expect(await rows('token', 'getToken("refresh")').count()).toBe(1);

    await page.fill('#event', 'whoami');
    await page.click('#send');
    await expect.poll(() => rows('in', '← session').count()).toBe(3);

    // The screenshot shows the session event in the log: its row is on screen, and its
    // pixels hold text (a PNG of that row compresses far worse than blank space does).
    const box = (await session.boundingBox())!;
    expect(box.y + box.height).toBeLessThan(800);
    const shot = await page.screenshot();
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
    expect([shot.readUInt32BE(16), shot.readUInt32BE(20)]).toEqual([1200, 800]);
    const rowShot = await page.screenshot({ clip: box });
    const blankShot = await page.screenshot({ clip: { ...box, y: 790 - box.height } });
    expect(rowShot.length).toBeGreaterThan(2 * blankShot.length);
    const file = join(tempDir(), 'console.png');
    await page.screenshot({ path: file });
    // docs/console.png is rewritten only on request, so that a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') copyFileSync(file, DOCS_SCREENSHOT);

    await page.click('#close');
    await rows('close', '1000').waitFor();
    expect(await rows('close', '1000').textContent()).toContain('client_closed');
    await expect.poll(() => page.textContent('#state')).toBe('closed');
  });

  it('shows session_expiring and the refresh it brings; with refresh off, the 4001 close and the reconnect', async () => {
    await page.fill('#sub', 'grace');
    await page.fill('#lifetime', '2');
    await page.click('#connect');
    await rows('in', '← session_expiring').first().waitFor({ timeout: 5000 });
    await rows('token', 'getToken("refresh")').first().waitFor();
    await expect.poll(() => rows('in', '← session').count()).toBeGreaterThanOrEqual(2);

    await page.uncheck('#auto-refresh');
    await rows('close', '4001').waitFor({ timeout: 8000 });
    expect(await rows('error', 'token_unavailable').count()).toBeGreaterThanOrEqual(1);
    expect(await rows('error', 'token_expired').count()).toBe(1);
    expect(await rows('close', '4001').textContent()).toContain('token_expired');
    await rows('state', 'state: reconnecting').waitFor();
    expect(await rows('state', 'state: reconnecting').textContent()).toContain('after close 4001 token_expired');
    await rows('token', 'getToken("expired")').waitFor();
    await expect.poll(() => page.textContent('#state')).toBe('authenticated');
    await page.click('#close');
  });

  it('says what is wrong with bad claims instead of failing silently', async () => {
    await page.fill('#claims', '{"role": ');
    await page.click('#mint');
    await rows('error', 'console').waitFor();
    expect(await rows('error', 'console').textContent()).toContain('claims are not JSON');
  });
});

describe('where GET /dev does not exist', () => {
  const SECRET = 'gatehouse-dev-console-test-secret-32+';
  const PATHS = ['/dev', '/dev/console.js', '/dev/client.js', '/dev/settings.json'];

  async function answers(server: Started, token: string): Promise<number[][]> {
    return Promise.all(
      PATHS.map(async (path) => [
        (await fetch(`${server.url}${path}`)).status,
        (await fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } })).status,
      ]),
    );
  }

  it('secure mode: 401 without a token, 404 with a valid one, as for any unknown route', async () => {
    const server = await startServer({ AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET, LOG_LEVEL: 'warn' });
    try {
      const token = await new SignJWT({ sub: 'eve' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET));
      expect(await answers(server, token)).toEqual(PATHS.map(() => [401, 404]));
      const refused = await fetch(`${server.url}/dev`);
      expect((await refused.json()).reason).toBe('token_missing');
      expect((await fetch(`${server.url}/health`)).status).toBe(200); // control: the server answers
    } finally {
      await stopServer(server);
    }
  });

  it('insecure mode under NODE_ENV=production (allowed to start): 401 without a token, 404 with one', async () => {
    const server = await startServer({
      AUTH_MODE: 'insecure',
      AUTH_INSECURE_ALLOW_IN_PRODUCTION: 'true',
      NODE_ENV: 'production',
      METRICS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    });
    try {
      const token = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"eve"}').toString('base64url')}.`;
      expect(await answers(server, token)).toEqual(PATHS.map(() => [401, 404]));
      expect((await fetch(`${server.url}/api/session`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await stopServer(server);
    }
  });
});
