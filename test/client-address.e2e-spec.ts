import { Agent, request as httpRequest } from 'node:http';
import request from 'supertest';
import { WebSocket } from 'ws';
import { eventually } from './support/jwks-server.js';
import { startServer, stopServer, type Started } from './support/server-process.js';
import { signedToken, validFor } from './support/tokens.js';

// TRUST_PROXY: the client address is read from X-Forwarded-For walking from the
// right, past trusted proxies only. What a client writes itself (the leftmost
// entries) must neither dodge the failed-authentication limit nor block someone
// else, nor cost memory, nor reach the log as an "address".

const SECRET = 'gatehouse-client-address-test-secret-32+';
const FAIL_LIMIT = 3;

/** A token Gatehouse refuses with signature_invalid (signed with another secret). */
const badToken = signedToken({ sub: 'mallory', ...validFor() }, { alg: 'HS256', key: 'not-the-server-secret-not-the-server-secret' });

async function start(trustProxy: string, env: Record<string, string> = {}): Promise<Started> {
  return startServer({
    AUTH_MODE: 'secure',
    AUTH_JWT_ALG: 'HS256',
    AUTH_JWT_KEY: SECRET,
    AUTH_FAIL_LIMIT: String(FAIL_LIMIT),
    AUTH_FAIL_WINDOW_SECONDS: '600',
    TRUST_PROXY: trustProxy,
    LOG_FORMAT: 'json',
    ...env,
  });
}

async function stop(server: Started | undefined): Promise<void> {
  if (server) await stopServer(server);
}

/** A failing attempt with this X-Forwarded-For: 401 while the address may try, 429 once it is blocked. */
async function attempt(server: Started, forwardedFor: string): Promise<number> {
  const res = await request(server.url).get('/api/session').set('X-Forwarded-For', forwardedFor).set('Authorization', `Bearer ${badToken}`);
  expect(res.body.reason).toBe(res.status === 429 ? 'rate_limited' : 'signature_invalid');
  return res.status;
}

/** The status a WebSocket upgrade gets (failing token in the Authorization header). */
async function upgradeStatus(server: Started, forwardedFor: string): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
    headers: { 'x-forwarded-for': forwardedFor, authorization: `Bearer ${badToken}` },
  });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

// Each setting: how a proxy chain writes X-Forwarded-For for a client, given what the
// client itself sent (`spoofed`). The server's peer is always 127.0.0.1.
describe.each([
  ['true', (client: string, spoofed: string) => `${spoofed}, ${client}`],
  ['2', (client: string, spoofed: string) => `${spoofed}, ${client}, 198.18.0.7`],
  ['127.0.0.1, 10.0.0.0/8', (client: string, spoofed: string) => `${spoofed}, ${client}, 10.1.2.3`],
])('TRUST_PROXY=%s', (trustProxy, chain) => {
  let server: Started;
  beforeAll(async () => {
    server = await start(trustProxy);
  });
  afterAll(() => stop(server));

  it('a made-up leftmost entry does not dodge the limit', async () => {
    const attacker = '198.51.100.10';
    const statuses: number[] = [];
    for (let i = 0; i < FAIL_LIMIT + 3; i++) statuses.push(await attempt(server, chain(attacker, `203.0.113.${100 + i}`)));
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    // The WebSocket upgrade finds the same address with the same function.
    expect(await upgradeStatus(server, chain(attacker, '203.0.113.250'))).toBe(429);
  });

  it("a victim's address written on the left does not get the victim blocked", async () => {
    const attacker = '198.51.100.11';
    const victim = '203.0.113.50';
    for (let i = 0; i < FAIL_LIMIT + 3; i++) await attempt(server, chain(attacker, victim));
    expect(await attempt(server, chain(attacker, '192.0.2.1'))).toBe(429);
    // The victim's own failing attempt is judged on its own: 401, not 429.
    expect(await attempt(server, chain(victim, 'unknown'))).toBe(401);
    expect(await upgradeStatus(server, chain(victim, 'unknown'))).toBe(401);
  });
});

describe('X-Forwarded-For entries that are not IP addresses', () => {
  let server: Started;
  beforeAll(async () => {
    server = await start('2', { AUTH_FAIL_LIMIT: '100' });
  });
  afterAll(() => stop(server));

  it('are never taken as a client address, nor logged as one', async () => {
    // The chain cannot be followed past such an entry: the address is the last one
    // that could be read (the server's peer, or the proxy that wrote the entry).
    const junk = ['evil-host.example', '<script>x</script>', '1.2.3.4.5', ' ', 'unknown'];
    for (const entry of junk) {
      expect(await attempt(server, `198.51.100.30, ${entry}`)).toBe(401);
      expect(await attempt(server, `${entry}, 198.18.0.7`)).toBe(401);
    }
    const rejections = () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.includes('"auth_rejected"'))
        .map((line) => JSON.parse(line) as { address?: string });
    await eventually(() => expect(rejections()).toHaveLength(2 * junk.length)); // the child's stdout arrives a little later
    const lines = rejections();
    expect(new Set(lines.map((line) => line.address))).toEqual(new Set(['127.0.0.1', '198.18.0.7']));
    expect(server.output()).not.toContain('evil-host');
    expect(server.output()).not.toContain('<script>');
  });
});

describe('a huge X-Forwarded-For', () => {
  let server: Started;
  beforeAll(async () => {
    server = await start('true', { AUTH_FAIL_MAX_ADDRESSES: '10000' });
  });
  afterAll(() => stop(server));

  const heapUsed = async () => {
    const text = (await request(server.url).get('/metrics')).text;
    return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)![1]);
  };

  /** `count` failing requests, 16 at a time over keep-alive, each with its own X-Forwarded-For. */
  async function flood(count: number, forwardedFor: (i: number) => string): Promise<void> {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const token = badToken;
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        await new Promise<void>((resolve, reject) => {
          const req = httpRequest(
            {
              agent,
              host: '127.0.0.1',
              port: server.port,
              path: '/api/session',
              headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor(i) },
            },
            (res) => {
              res.resume();
              res.on('end', () =>
                res.statusCode === 401 || res.statusCode === 429 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
              );
            },
          );
          req.on('error', reject);
          req.end();
        });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    agent.destroy();
  }

  it('costs no memory that stays: 10,000 requests with 12 KB of made-up entries each', async () => {
    const filler = 'x'.repeat(12 * 1024);
    await flood(2_000, (i) => `192.0.2.${i % 250}, 198.51.100.40`); // warm up
    const before = await heapUsed();
    // Every request a different 12 KB "address" on the left, from one real client.
    await flood(10_000, (i) => `${i}-${filler}, 198.51.100.40`);
    const after = await heapUsed();
    console.log(`heap used ${(before / 1e6).toFixed(1)} MB -> ${(after / 1e6).toFixed(1)} MB`);
    // Keeping each made-up entry (as the limiter's key) would be 120 MB.
    expect(after - before).toBeLessThan(50 * 1024 * 1024);
  }, 120_000);

  it('answers a header of many entries like a short one', async () => {
    const many = Array.from({ length: 1_000 }, (_, i) => `10.${i >> 8}.${i & 255}.1`).join(',') + ', 198.51.100.41';
    const time = async (forwardedFor: string) => {
      const started = performance.now();
      await flood(100, () => forwardedFor);
      return performance.now() - started;
    };
    await time('198.51.100.42'); // warm up
    await time(many);
    let short = 0;
    let long = 0;
    for (let round = 0; round < 5; round++) {
      short += await time('198.51.100.42');
      long += await time(many);
    }
    console.log(`500 requests: short X-Forwarded-For ${short.toFixed(0)} ms, 1,000 entries ${long.toFixed(0)} ms`);
    expect(long / short).toBeLessThan(3);
  }, 60_000);
});
