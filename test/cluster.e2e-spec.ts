import { ADMIN_KEY, admin, revoke, sessionStatus, tokenOf, within } from './support/admin.js';
import { RedisServer } from './support/redis-server.js';
import { startServer, stopServer, type Started } from './support/server-process.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { now } from './support/tokens.js';
import { connect } from './support/ws-client.js';

// Several Gatehouse processes (node dist/main.js) and one real redis-server
// (docs/protocol.md §11): a revocation made through one process reaches every other
// one and closes their live sockets within a second; the failure limit is counted
// across processes; while Redis is away the processes keep serving with what they
// hold, say so on /health/ready and refuse admin writes; when it is back they load
// the whole set again. B reaches Redis through a relay the test can cut (a partition).

interface Ready {
  readonly status: number;
  readonly revocations: { status: string; stale?: boolean; message?: string; held?: number } | undefined;
}

async function readiness(server: Started): Promise<Ready> {
  const res = await fetch(`${server.url}/health/ready`);
  const body = (await res.json()) as { details?: Record<string, Ready['revocations']> };
  return { status: res.status, revocations: body.details?.revocations };
}

const stale = async (server: Started) => (await readiness(server)).revocations?.stale === true;
const current = async (server: Started) => (await readiness(server)).revocations?.stale !== true;
const refused = (server: Started, token: string) => async () => (await sessionStatus(server.url, token)).reason === 'token_revoked';

describe('several processes and one Redis', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let relay: TcpProxy;
  let a: Started, b: Started, c: Started;

  beforeAll(async () => {
    redis = await RedisServer.start();
    relay = await TcpProxy.start(redis.port);
    const env = {
      AUTH_MODE: 'insecure',
      ADMIN_API_KEY: ADMIN_KEY,
      AUTH_FAIL_LIMIT: '3',
      AUTH_FAIL_WINDOW_SECONDS: '60',
      LOG_FORMAT: 'json',
    };
    // One after the other: three Nest startups at once on a busy 2-core machine can
    // outlast startServer's 15 s.
    a = await startServer({ ...env, REDIS_URL: redis.url });
    b = await startServer({ ...env, REDIS_URL: `redis://127.0.0.1:${relay.port}` });
    c = await startServer({ ...env, REDIS_URL: `${redis.url}/0` });
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a, b, c].filter(Boolean).map((server) => stopServer(server)));
    await relay?.close();
    await redis?.stop();
  });

  it('starts with the set loaded from Redis: ready, not stale', async () => {
    for (const server of [a, b, c]) expect(await readiness(server)).toEqual({ status: 200, revocations: { status: 'up', held: 0 } });
  });

  it("a revocation made through A refuses the token on B and C, and closes B's live socket within 1 s", async () => {
    const token = tokenOf('alice');
    const socket = await connect(b.port, token);
    expect((await socket.next()).event).toBe('session');
    for (const server of [a, b, c]) expect((await sessionStatus(server.url, token)).status).toBe(200);

    const started = performance.now();
    expect((await revoke(a.url, { sub: 'alice' })).status).toBe(201);
    // The writer answers once it applies the revocation itself.
    expect(await sessionStatus(a.url, token)).toEqual({ status: 401, reason: 'token_revoked' });
    expect(await socket.next(1000)).toEqual({ event: 'error', data: { reason: 'token_revoked', message: 'Token has been revoked' } });
    expect(await socket.closed).toEqual({ code: 4401, reason: 'token_revoked' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await within(1000, refused(b, token))).toBeLessThan(1000);
    expect(await within(1000, refused(c, token))).toBeLessThan(1000);

    // And by jti, through C this time; the list is the same everywhere.
    const leaked = tokenOf('bob', { jti: 'bob-leaked' });
    const { body: entry } = await revoke(c.url, { jti: 'bob-leaked', exp: now() + 3600 });
    expect(await within(1000, refused(a, leaked))).toBeLessThan(1000);
    expect(await within(1000, refused(b, leaked))).toBeLessThan(1000);
    expect((await sessionStatus(b.url, tokenOf('bob', { jti: 'bob-other' }))).status).toBe(200);
    expect((await admin(b.url, 'GET', '/admin/revocations?jti=bob-leaked')).body).toEqual({ entries: [entry] });

    // A lift through B lets the token in everywhere.
    expect((await admin(b.url, 'DELETE', `/admin/revocations/${entry.id}`)).status).toBe(204);
    for (const server of [a, b, c]) {
      expect(await within(1000, async () => (await sessionStatus(server.url, leaked)).status === 200)).toBeLessThan(1000);
    }
  });

  it('the failure limit counted on A refuses on B and C; a valid token is still accepted there', async () => {
    for (let i = 0; i < 3; i++) expect((await sessionStatus(a.url, 'bad.token')).status).toBe(401);
    const limited = await fetch(`${b.url}/api/session`, { headers: { authorization: 'Bearer bad.token' } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await sessionStatus(c.url, 'bad.token')).status).toBe(429);
    expect((await sessionStatus(b.url, tokenOf('carol'))).status).toBe(200);
  });

  it('B cut off from Redis: serves with what it holds and says it may be stale; a revocation made meanwhile through A reaches B when it is back', async () => {
    relay.cut();
    expect(await within(5000, () => stale(b))).toBeLessThan(5000);
    const ready = await readiness(b);
    expect(ready.status).toBe(200);
    expect(ready.revocations).toMatchObject({ status: 'up', stale: true, message: 'revocations may be stale: Redis is unreachable' });
    expect(await current(a)).toBe(true);

    const token = tokenOf('dave');
    expect((await revoke(a.url, { sub: 'dave' })).status).toBe(201);
    expect(await within(1000, refused(c, token))).toBeLessThan(1000);
    // B still holds what it had: alice stays revoked, dave's revocation has not reached it.
    expect(await sessionStatus(b.url, tokenOf('alice', {}, 30))).toEqual({ status: 401, reason: 'token_revoked' });
    expect((await sessionStatus(b.url, token)).status).toBe(200);
    expect((await admin(b.url, 'POST', '/admin/revocations', { sub: 'erin' })).status).toBe(503);

    relay.restore();
    expect(await within(5000, refused(b, token))).toBeLessThan(5000);
    expect(await current(b)).toBe(true);
  });

  it('Redis stopped: every process keeps serving, says revocations may be stale, refuses admin writes (503); started again: everything is loaded again everywhere', async () => {
    const socket = await connect(c.port, tokenOf('frank'));
    expect((await socket.next()).event).toBe('session');
    await redis.stop();
    for (const server of [a, b, c]) expect(await within(5000, () => stale(server))).toBeLessThan(5000);
    for (const server of [a, b, c]) {
      expect((await sessionStatus(server.url, tokenOf('gina'))).status).toBe(200);
      expect(await sessionStatus(server.url, tokenOf('alice', {}, 30))).toEqual({ status: 401, reason: 'token_revoked' });
      const write = await admin(server.url, 'POST', '/admin/revocations', { sub: 'frank' });
      expect(write.status).toBe(503);
      expect(write.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Nothing was changed: Redis is unreachable; try again later',
      });
      // Reading what is held still works.
      expect((await admin(server.url, 'GET', '/admin/revocations?sub=alice')).body.entries).toHaveLength(1);
    }
    // The failure limit falls back to each process's own count.
    expect((await sessionStatus(a.url, 'other.bad.token')).status).toBe(429);

    await redis.resume();
    for (const server of [a, b, c]) expect(await within(5000, () => current(server))).toBeLessThan(5000);
    expect((await revoke(b.url, { sub: 'frank' })).status).toBe(201);
    expect(await socket.next(1000)).toMatchObject({ event: 'error', data: { reason: 'token_revoked' } });
    expect((await socket.closed).code).toBe(4401);
    for (const server of [a, b, c]) {
      expect(await within(1000, refused(server, tokenOf('frank')))).toBeLessThan(1000);
      // What was revoked before the outage is still there (Redis kept it).
      expect(await sessionStatus(server.url, tokenOf('dave', {}, 30))).toEqual({ status: 401, reason: 'token_revoked' });
    }
  });
});
