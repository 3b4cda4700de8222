import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, admin, revoke, sessionStatus, tokenOf } from './support/admin.js';
import { startServer, stopServer, tempDir, type Started } from './support/server-process.js';
import { now } from './support/tokens.js';

// One process without Redis (docs/protocol.md §11): revocations live in an append-only
// file under GATEHOUSE_DATA_DIR (default ./data), so a restart loses none; a corrupt
// line is skipped with a log line naming the file and the line, and nothing else is lost.

const ENV = { AUTH_MODE: 'insecure', ADMIN_API_KEY: ADMIN_KEY, LOG_FORMAT: 'json' };

describe('revocations across a restart (no Redis)', { timeout: 90_000 }, () => {
  let server: Started | undefined;
  afterEach(async () => {
    if (server) await stopServer(server);
    server = undefined;
  });

  it('keeps revocations, and lifts, in ./data by default', async () => {
    const cwd = tempDir();
    const leaked = tokenOf('alice', { jti: 'leaked' });
    const banned = tokenOf('bob');
    const forgiven = tokenOf('carol');
    server = await startServer(ENV, cwd);
    expect((await revoke(server.url, { jti: 'leaked', exp: now() + 3600 })).status).toBe(201);
    expect((await revoke(server.url, { sub: 'bob' })).status).toBe(201);
    const { body: carol } = await revoke(server.url, { sub: 'carol' });
    expect((await admin(server.url, 'DELETE', `/admin/revocations/${carol.id}`)).status).toBe(204);
    await stopServer(server);

    server = await startServer(ENV, cwd);
    expect(await sessionStatus(server.url, leaked)).toEqual({ status: 401, reason: 'token_revoked' });
    expect(await sessionStatus(server.url, banned)).toEqual({ status: 401, reason: 'token_revoked' });
    expect((await sessionStatus(server.url, forgiven)).status).toBe(200);
    expect((await sessionStatus(server.url, tokenOf('alice', { jti: 'fresh' }))).status).toBe(200);
    expect(readFileSync(join(cwd, 'data/revocations.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
  });

  it('skips corrupt lines with a log line naming the file and the line; keeps the rest, and appends after a torn last line', async () => {
    const dir = join(tempDir(), 'revocations');
    mkdirSync(dir);
    const file = join(dir, 'revocations.jsonl');
    // Entries written by an earlier run (read back to get their ids right), then damage.
    const seed = tempDir();
    server = await startServer({ ...ENV, GATEHOUSE_DATA_DIR: seed }, seed);
    await revoke(server.url, { sub: 'dan' });
    await revoke(server.url, { jti: 'eve-1', exp: now() + 3600 });
    await stopServer(server);
    const [dan, eve] = readFileSync(join(seed, 'revocations.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(
      file,
      [
        dan,
        'this is not JSON',
        '{"op":"put","entry":{"id":"sub_forged","sub":"fay","before":1,"revokedAt":1}}',
        '{"op":"explode"}',
        eve,
        '{"op":"put","entry":{"id":"sub_', // torn by a crash mid-write
      ].join('\n'),
    );

    server = await startServer({ ...ENV, GATEHOUSE_DATA_DIR: dir });
    const log = server.output();
    expect(log).toContain(`skipped line 2 of ${file}: not JSON`);
    expect(log).toContain(`skipped line 3 of ${file}: not a revocation entry`);
    expect(log).toContain(`skipped line 4 of ${file}: not a revocation record`);
    expect(log).toContain(`skipped line 6 of ${file}: not JSON`);
    expect(log).not.toMatch(/skipped line [15] /);
    expect(await sessionStatus(server.url, tokenOf('dan'))).toEqual({ status: 401, reason: 'token_revoked' });
    expect(await sessionStatus(server.url, tokenOf('eve', { jti: 'eve-1' }))).toEqual({ status: 401, reason: 'token_revoked' });
    expect((await sessionStatus(server.url, tokenOf('fay'))).status).toBe(200);

    // A new revocation goes on a line of its own, after the torn one, and survives.
    await revoke(server.url, { sub: 'gil' });
    await stopServer(server);
    server = await startServer({ ...ENV, GATEHOUSE_DATA_DIR: dir });
    expect(await sessionStatus(server.url, tokenOf('gil'))).toEqual({ status: 401, reason: 'token_revoked' });
    expect(await sessionStatus(server.url, tokenOf('dan'))).toEqual({ status: 401, reason: 'token_revoked' });
    expect(server.output()).toContain(`skipped line 6 of ${file}: not JSON`);
    expect(server.output()).not.toContain('skipped line 7');
  });
});
