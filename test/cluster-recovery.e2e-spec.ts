import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, revoke, sessionStatus, tokenOf, within } from './support/admin.js';
import { RedisServer } from './support/redis-server.js';
import { startServer, stopServer, type Started } from './support/server-process.js';

// The edges of docs/protocol.md §11 with a real redis-server: a process that starts
// while Redis is down is not ready until it has loaded the set once; a Redis that
// comes back without its data (no persistence) gets the set written back by the
// processes that hold it, rather than every revocation being forgotten.

const ENV = { AUTH_MODE: 'insecure', ADMIN_API_KEY: ADMIN_KEY, LOG_FORMAT: 'json' };

async function ready(server: Started): Promise<{ status: number; revocations: any }> {
  const res = await fetch(`${server.url}/health/ready`);
  const body = (await res.json()) as { details?: { revocations?: unknown } };
  return { status: res.status, revocations: body.details?.revocations };
}

describe('Redis at the edges', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  const servers: Started[] = [];
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => stopServer(server)));
    await redis.stop();
  });

  it('a process started while Redis is down serves, but is not ready until the set is loaded', async () => {
    await redis.stop();
    const server = await startServer({ ...ENV, REDIS_URL: redis.url });
    servers.push(server);
    expect(await ready(server)).toEqual({
      status: 503,
      revocations: { status: 'down', message: 'revocations not loaded yet: Redis is unreachable' },
    });
    expect((await sessionStatus(server.url, tokenOf('alice'))).status).toBe(200);
    await redis.resume();
    expect(await within(5000, async () => (await ready(server)).status === 200)).toBeLessThan(5000);
    expect((await ready(server)).revocations).toEqual({ status: 'up', held: 0 });
  });

  it('a Redis that comes back empty gets the revocations written back by the processes holding them', async () => {
    const [a] = servers;
    const token = tokenOf('bob');
    expect((await revoke(a.url, { sub: 'bob' })).status).toBe(201);
    await redis.stop();
    for (const name of readdirSync(redis.dir)) rmSync(join(redis.dir, name), { recursive: true, force: true });
    await redis.resume();
    expect(await within(5000, async () => (await ready(a)).revocations?.stale !== true)).toBeLessThan(5000);
    expect(a.output()).toMatch(/holds no revocations any more \(restarted without persistence\?\): writing back the 1 held here/);
    expect(await sessionStatus(a.url, token)).toEqual({ status: 401, reason: 'token_revoked' });
    // A process started now loads it from Redis.
    const late = await startServer({ ...ENV, REDIS_URL: redis.url });
    servers.push(late);
    expect(await sessionStatus(late.url, token)).toEqual({ status: 401, reason: 'token_revoked' });
  });
});
