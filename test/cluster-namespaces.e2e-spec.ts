import { Redis } from 'ioredis';
import { revocationId } from '../src/lib/revocation/revocation.js';
import { ADMIN_KEY, admin, revoke, sessionStatus, tokenOf, within } from './support/admin.js';
import { startApp, type RunningApp } from './support/app.js';
import { RedisServer } from './support/redis-server.js';
import { now } from './support/tokens.js';

// Deployments sharing one real redis-server (docs/clusters.md): each keeps to its
// database number and REDIS_PREFIX, in Redis and in memory. Redis is the only source
// of truth: a message on the announcement channel makes a process read the entry it
// names, never revoke or lift by itself; an answer 201 shows what Redis stored.

const revoked = (app: RunningApp, token: string) => async () => (await sessionStatus(app.url, token)).reason === 'token_revoked';
/** Long enough for an announcement to have reached every subscriber (they arrive in a few ms). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describe('deployments sharing one Redis', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let db1: Redis;
  let publisher: Redis;
  let x: RunningApp, x2: RunningApp, y: RunningApp, p: RunningApp;

  const deployment = (url: string, extra: Record<string, string> = {}) =>
    startApp({ AUTH_MODE: 'insecure', ADMIN_API_KEY: ADMIN_KEY, REDIS_URL: url, ...extra });

  beforeAll(async () => {
    redis = await RedisServer.start();
    // X: two processes on database 1. Y: database 3. P: database 1 too, with a prefix of its own.
    x = await deployment(`${redis.url}/1`);
    x2 = await deployment(`${redis.url}/1`);
    y = await deployment(`${redis.url}/3`);
    p = await deployment(`${redis.url}/1`, { REDIS_PREFIX: 'shop:' });
    db1 = new Redis(`${redis.url}/1`);
    publisher = new Redis(redis.url);
  });

  afterAll(async () => {
    for (const app of [x, x2, y, p]) await app?.app.close();
    db1?.disconnect();
    publisher?.disconnect();
    await redis?.stop();
  });

  it("a revocation in one deployment reaches its own processes only, not another database's nor another prefix's", async () => {
    const token = tokenOf('alice');
    expect((await revoke(x.url, { sub: 'alice' })).status).toBe(201);
    expect(await within(1000, revoked(x2, token))).toBeLessThan(1000);
    await settle();
    expect((await sessionStatus(y.url, token)).status).toBe(200);
    expect((await sessionStatus(p.url, token)).status).toBe(200);
    expect((await admin(y.url, 'GET', '/admin/revocations')).body).toEqual({ entries: [] });
    expect((await admin(p.url, 'GET', '/admin/revocations')).body).toEqual({ entries: [] });
    expect(await db1.hkeys('gatehouse:revocations')).toEqual([revocationId('sub', 'alice')]);
    expect(await db1.exists('shop:revocations')).toBe(0);
  });

  it("a lift in one deployment never un-revokes another's own revocation of the same user", async () => {
    const token = tokenOf('bob');
    for (const app of [x, y, p]) expect((await revoke(app.url, { sub: 'bob' })).status).toBe(201);
    expect((await admin(x.url, 'DELETE', `/admin/revocations/${revocationId('sub', 'bob')}`)).status).toBe(204);
    expect(await within(1000, async () => (await sessionStatus(x2.url, token)).status === 200)).toBeLessThan(1000);
    await settle();
    for (const app of [y, p]) {
      expect(await sessionStatus(app.url, token)).toEqual({ status: 401, reason: 'token_revoked' });
      expect((await admin(app.url, 'GET', '/admin/revocations?sub=bob')).body.entries).toHaveLength(1);
    }
  });

  it('a forged message neither revokes nor lifts, on any channel name; nor is its entry ever written back to Redis', async () => {
    const carol = tokenOf('carol');
    const dave = tokenOf('dave');
    expect((await revoke(x.url, { sub: 'carol' })).status).toBe(201);
    const forgedPut = {
      op: 'put',
      entry: { id: revocationId('sub', 'dave'), sub: 'dave', before: now() + 3600, revokedAt: now() },
      version: 1_000_000,
    };
    const forgedLift = { op: 'lift', id: revocationId('sub', 'carol'), version: 1_000_001 };
    for (const channel of ['gatehouse:revocations', 'gatehouse:revocations:db1']) {
      await publisher.publish(channel, JSON.stringify(forgedPut));
      await publisher.publish(channel, JSON.stringify(forgedLift));
    }
    await settle();
    for (const app of [x, x2]) {
      expect(await sessionStatus(app.url, carol)).toEqual({ status: 401, reason: 'token_revoked' });
      expect((await sessionStatus(app.url, dave)).status).toBe(200);
    }

    // Redis loses database 1's data; the processes reconnect, find it empty and write
    // back what they hold: what they read from Redis, never what a message said.
    await db1.flushdb();
    await publisher.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    expect(await within(5000, async () => (await db1.hexists('gatehouse:revocations', revocationId('sub', 'carol'))) === 1)).toBeLessThan(
      5000,
    );
    await settle();
    expect(await db1.hexists('gatehouse:revocations', revocationId('sub', 'dave'))).toBe(0);
    for (const app of [x, x2]) expect((await sessionStatus(app.url, dave)).status).toBe(200);
  });

  it('a value Redis did not store is never answered 201: what is answered is what every process then holds', async () => {
    const id = revocationId('jti', 'leaked-1');
    // Something that is not an entry sits under that id, with a bound that looks larger.
    await db1.hset('gatehouse:revocations', id, JSON.stringify({ exp: 99_999_999_999, note: 'not an entry' }));
    const exp = now() + 3600;
    const answer = await revoke(x.url, { jti: 'leaked-1', exp });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ id, jti: 'leaked-1', exp });
    expect(JSON.parse((await db1.hget('gatehouse:revocations', id))!)).toEqual(answer.body);
    const token = tokenOf('erin', { jti: 'leaked-1' });
    expect(await sessionStatus(x.url, token)).toEqual({ status: 401, reason: 'token_revoked' });
    expect(await within(1000, revoked(x2, token))).toBeLessThan(1000);
  });

  it('REVOCATION_MAX_ENTRIES bounds the entries in Redis: one more is 507 saying what to do; an update is not refused', async () => {
    const small = await deployment(`${redis.url}/5`, { REVOCATION_MAX_ENTRIES: '2' });
    try {
      expect((await revoke(small.url, { sub: 'one' })).status).toBe(201);
      expect((await revoke(small.url, { sub: 'two' })).status).toBe(201);
      const full = await revoke(small.url, { sub: 'three' });
      expect(full.status).toBe(507);
      expect(full.body).toMatchObject({ statusCode: 507, error: 'Insufficient Storage' });
      expect(full.body.message).toMatch(
        /^2 revocations are held, the most allowed \(REVOCATION_MAX_ENTRIES.*: nothing was stored\. Lift entries/,
      );
      expect((await sessionStatus(small.url, tokenOf('three'))).status).toBe(200);
      expect((await revoke(small.url, { sub: 'two', before: now() + 60 })).status).toBe(201);
    } finally {
      await small.app.close();
    }
  });
});
