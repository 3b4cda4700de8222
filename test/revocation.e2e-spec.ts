import { startApp, type RunningApp } from './support/app.js';
import { admin, revoke, sessionStatus, tokenOf } from './support/admin.js';
import { expect401 } from './support/expect-401.js';
import { tempDir } from './support/server-process.js';
import { now, unsignedToken } from './support/tokens.js';
import { connect, refusedUpgrade } from './support/ws-client.js';

// docs/protocol.md §11 on one process: a revoked token is refused with token_revoked
// over REST, at the upgrade, in an auth frame and in a refresh; a live socket whose
// token is revoked is closed within a second; a lifted revocation lets the token in again.

describe('revocation (one process)', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({
      AUTH_MODE: 'insecure',
      ADMIN_API_KEY: 'test-admin-key-7f3c9a1e5b2d4086aa19c3e7',
      GATEHOUSE_DATA_DIR: tempDir(),
    });
  });
  afterAll(() => server.app.close());

  it('one token by its jti, until its exp: that token is refused, the same user with another token is not', async () => {
    const leaked = tokenOf('ann', { jti: 'leaked-1' });
    const other = tokenOf('ann', { jti: 'other-1' });
    expect((await sessionStatus(server.url, leaked)).status).toBe(200);
    const res = await revoke(server.url, { jti: 'leaked-1', exp: now() + 3600 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^jti_[\w-]{22}$/),
      jti: 'leaked-1',
      exp: now() + 3600,
      revokedAt: expect.any(Number),
    });
    await expect401(server.url, leaked, 'token_revoked', 'Token has been revoked');
    expect((await sessionStatus(server.url, other)).status).toBe(200);
    expect((await admin(server.url, 'GET', '/admin/revocations?jti=leaked-1')).body).toEqual({ entries: [res.body] });
  });

  it('every token of a sub issued before the cut-off; tokens issued from it on are accepted', async () => {
    const before = now() - 100;
    const old = tokenOf('bea', {}, 200);
    const newer = tokenOf('bea', {}, 50);
    const res = await revoke(server.url, { sub: 'bea', before });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^sub_[\w-]{22}$/), sub: 'bea', before, revokedAt: expect.any(Number) });
    await expect401(server.url, old, 'token_revoked', 'Token has been revoked');
    expect((await sessionStatus(server.url, newer)).status).toBe(200);
    expect((await sessionStatus(server.url, unsignedToken({ sub: 'bea', iat: before }))).status).toBe(200);
    // A token without iat cannot show it was issued after the cut-off.
    expect(await sessionStatus(server.url, unsignedToken({ sub: 'bea' }))).toEqual({ status: 401, reason: 'token_revoked' });
    // Other users are not touched.
    expect((await sessionStatus(server.url, tokenOf('bob', {}, 200))).status).toBe(200);
    expect((await admin(server.url, 'GET', '/admin/revocations?sub=bea')).body).toEqual({ entries: [res.body] });
  });

  it('"sign out everywhere": before defaults to now, so every token issued until now is refused', async () => {
    const token = tokenOf('cid', {}, 1);
    const res = await revoke(server.url, { sub: 'cid' });
    expect(res.body.before).toBeGreaterThanOrEqual(now() - 1);
    expect(await sessionStatus(server.url, token)).toEqual({ status: 401, reason: 'token_revoked' });
  });

  it('a second revocation of the same sub keeps the later cut-off (one entry per sub)', async () => {
    const first = await revoke(server.url, { sub: 'dee', before: now() - 10 });
    const earlier = await revoke(server.url, { sub: 'dee', before: now() - 1000 });
    expect(earlier.status).toBe(201);
    expect(earlier.body).toEqual(first.body);
    const later = await revoke(server.url, { sub: 'dee', before: now() - 5 });
    expect(later.body).toMatchObject({ id: first.body.id, before: now() - 5 });
    expect((await admin(server.url, 'GET', '/admin/revocations?sub=dee')).body.entries).toHaveLength(1);
  });

  it('lifting an entry lets its tokens in again; lifting it twice is 404', async () => {
    const token = tokenOf('eve');
    const { body: entry } = await revoke(server.url, { sub: 'eve' });
    expect((await sessionStatus(server.url, token)).status).toBe(401);
    expect((await admin(server.url, 'DELETE', `/admin/revocations/${entry.id}`)).status).toBe(204);
    expect((await sessionStatus(server.url, token)).status).toBe(200);
    const again = await admin(server.url, 'DELETE', `/admin/revocations/${entry.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ statusCode: 404, error: 'Not Found', message: `No revocation with id "${entry.id}"` });
  });

  describe('WebSocket', () => {
    it('at the upgrade: HTTP 401 token_revoked', async () => {
      const token = tokenOf('fay');
      await revoke(server.url, { sub: 'fay' });
      const res = await refusedUpgrade(server.port, { Authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', reason: 'token_revoked', message: 'Token has been revoked' });
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="gatehouse", error="invalid_token", error_description="Token has been revoked"',
      );
    });

    it('in an auth frame: error token_revoked, then close 4401', async () => {
      const token = tokenOf('gus', { jti: 'gus-1' });
      await revoke(server.url, { jti: 'gus-1', exp: now() + 3600 });
      const client = await connect(server.port);
      client.auth(token);
      expect(await client.next()).toEqual({ event: 'error', data: { reason: 'token_revoked', message: 'Token has been revoked' } });
      expect(await client.closed).toEqual({ code: 4401, reason: 'token_revoked' });
    });

    it('live sockets whose token is revoked are closed within 1 s (error, then 4401); others stay open', async () => {
      const byHeader = await connect(server.port, tokenOf('hal'));
      const byFrame = await connect(server.port);
      byFrame.auth(tokenOf('hal'));
      const bystander = await connect(server.port, tokenOf('ida'));
      for (const client of [byHeader, byFrame, bystander]) expect((await client.next()).event).toBe('session');

      const started = performance.now();
      expect((await revoke(server.url, { sub: 'hal' })).status).toBe(201);
      for (const client of [byHeader, byFrame]) {
        expect(await client.next(1000)).toEqual({ event: 'error', data: { reason: 'token_revoked', message: 'Token has been revoked' } });
        expect(await client.closed).toEqual({ code: 4401, reason: 'token_revoked' });
      }
      expect(performance.now() - started).toBeLessThan(1000);
      bystander.send({ event: 'whoami' });
      expect(await bystander.next()).toMatchObject({ event: 'session', data: { sub: 'ida' } });
      await bystander.close();
    });

    it('a refresh with a revoked token: error token_revoked, close 4401', async () => {
      const client = await connect(server.port, tokenOf('jon', { jti: 'jon-1' }));
      expect((await client.next()).event).toBe('session');
      await revoke(server.url, { jti: 'jon-2', exp: now() + 3600 });
      client.auth(tokenOf('jon', { jti: 'jon-2' }));
      expect(await client.next()).toEqual({ event: 'error', data: { reason: 'token_revoked', message: 'Token has been revoked' } });
      expect(await client.closed).toEqual({ code: 4401, reason: 'token_revoked' });
    });
  });
});

describe('revocation and the failure limit', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({
      AUTH_MODE: 'insecure',
      ADMIN_API_KEY: 'test-admin-key-7f3c9a1e5b2d4086aa19c3e7',
      GATEHOUSE_DATA_DIR: tempDir(),
      AUTH_FAIL_LIMIT: '2',
      AUTH_FAIL_WINDOW_SECONDS: '60',
    });
  });
  afterAll(() => server.app.close());

  it('a revoked token does not count as a failure: it was issued, not guessed', async () => {
    const token = tokenOf('kim');
    await revoke(server.url, { sub: 'kim' });
    for (let i = 0; i < 5; i++) expect(await sessionStatus(server.url, token)).toEqual({ status: 401, reason: 'token_revoked' });
    // The address still has its whole allowance: a bad token is a 401, not a 429.
    expect((await sessionStatus(server.url, 'bad.token')).status).toBe(401);
  });
});
