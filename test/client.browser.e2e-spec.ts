import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { freePort, startServer, stopServer, type Started } from './support/server-process.js';

// The built gatehouse/client in a real browser (headless Chromium): a page of another
// origin loads dist/client/gatehouse-client.js as it is, as an ES module, and talks to a
// real `node dist/main.js` with the browser's own WebSocket and fetch. It refreshes in
// place, calls the REST API with its token, and survives a restart of the server.

const BUILT = resolve(import.meta.dirname, '../dist/client/gatehouse-client.js');

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>client test</title>
<script type="module">
  import { GatehouseClient } from '/gatehouse-client.js';
  const b64 = (value) => btoa(JSON.stringify(value)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const events = (window.events = []);
  window.sockets = 0;
  class CountingWebSocket extends WebSocket {
    constructor(url) { super(url); window.sockets += 1; }
  }
  window.start = ({ url, lifetime }) => {
    const getToken = (reason) => {
      events.push({ kind: 'token', data: reason });
      const now = Math.floor(Date.now() / 1000);
      return b64({ alg: 'none', typ: 'JWT' }) + '.' + b64({ sub: 'browser', exp: now + lifetime }) + '.';
    };
    const client = (window.client = new GatehouseClient({
      url, getToken, WebSocket: CountingWebSocket, backoff: { baseMs: 100, capMs: 1000 },
    }));
    for (const kind of ['state', 'session', 'session_expiring', 'error']) {
      client.on(kind, (data) => events.push({ kind, data }));
    }
    client.connect();
  };
  window.loaded = true;
</script>`;

/** A tiny static server: the test page and the built client, nothing else. */
function staticServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
    if (req.url === '/gatehouse-client.js') {
      return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(BUILT));
    }
    res.writeHead(404).end();
  });
  return new Promise((resolveServer) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolveServer({ server, origin: `http://127.0.0.1:${port}` });
    }),
  );
}

describe('gatehouse/client in Chromium', () => {
  let site: { server: Server; origin: string };
  let browser: Browser;
  let page: Page;
  let gatehouse: Started | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    site = await staticServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    if (gatehouse) await stopServer(gatehouse);
  });

  const count = (kind: string) => page.evaluate((k) => (window as any).events.filter((e: any) => e.kind === k).length, kind);
  const events = (kind: string) =>
    page.evaluate((k) => (window as any).events.filter((e: any) => e.kind === k).map((e: any) => e.data), kind);

  it('loads as one ES module, refreshes in place across three lifetimes, fetches, and survives a server restart', async () => {
    const port = await freePort();
    const env = {
      AUTH_MODE: 'insecure',
      AUTH_JWT_CLOCK_TOLERANCE: '0',
      WS_EXPIRY_NOTICE_SECONDS: '1',
      CORS_ORIGINS: site.origin,
      LOG_LEVEL: 'warn',
      PORT: String(port),
    };
    gatehouse = await startServer(env);
    page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(site.origin);
    await page.waitForFunction(() => (window as any).loaded === true);
    await page.evaluate((url) => (window as any).start({ url, lifetime: 2 }), `ws://127.0.0.1:${port}/ws`);

    // Refresh in place: three lifetimes of 2 s on one socket.
    await page.waitForFunction(() => (window as any).events.some((e: any) => e.kind === 'session'));
    await page.waitForTimeout(3 * 2000 + 500);
    expect(await page.evaluate(() => (window as any).sockets)).toBe(1);
    expect(await count('session')).toBeGreaterThanOrEqual(4);
    expect((await events('state')).map((s: any) => s.state)).toEqual(['connecting', 'authenticated']);
    expect(await events('token')).toEqual(['connect', ...Array((await events('token')).length - 1).fill('refresh')]);

    // REST with the same token, across origins (CORS_ORIGINS lets this page send Authorization).
    const rest = await page.evaluate(async (url) => {
      const response = await (window as any).client.fetch(`${url}/api/session`);
      return { status: response.status, body: await response.json() };
    }, gatehouse.url);
    expect(rest).toMatchObject({ status: 200, body: { sub: 'browser', authMode: 'insecure' } });

    // A restart: 1001 from the old process, a session from the new one on the same port.
    await stopServer(gatehouse);
    gatehouse = undefined;
    await page.waitForFunction(() => (window as any).events.some((e: any) => e.kind === 'state' && e.data.close?.code === 1001));
    gatehouse = await startServer(env);
    await page.waitForFunction(() => (window as any).client.state === 'authenticated' && (window as any).sockets >= 2, undefined, {
      timeout: 15_000,
    });
    const shutdown = (await events('state')).find((s: any) => s.close?.code === 1001);
    expect(shutdown).toMatchObject({ state: 'reconnecting', close: { code: 1001, reason: 'server_shutdown' } });
    // The new socket works: whoami is answered.
    const before = await count('session');
    expect(await page.evaluate(() => (window as any).client.send('whoami'))).toBe(true);
    await page.waitForFunction((n) => (window as any).events.filter((e: any) => e.kind === 'session').length > n, before);
    expect((await events('error')).filter((e: any) => e.fatal)).toEqual([]);
    expect(problems).toEqual([]);
    await page.evaluate(() => (window as any).client.close());
    await page.close();
  }, 90_000);
});
