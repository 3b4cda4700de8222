import { openSync, closeSync, ftruncateSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { revocationId } from '../src/lib/revocation/revocation.js';
import { ADMIN_KEY, revoke, sessionStatus, tokenOf } from './support/admin.js';
import { runServer, startServer, stopServer, tempDir, type Started } from './support/server-process.js';
import { now } from './support/tokens.js';

// One process without Redis keeps its revocations under GATEHOUSE_DATA_DIR
// (docs/clusters.md): one writer per directory (a lock), never through a symbolic
// link, the directory 0700 and the files 0600, at most REVOCATION_MAX_ENTRIES held;
// a data file that cannot be loaded stops startup with one line saying why.

const ENV = { AUTH_MODE: 'insecure', ADMIN_API_KEY: ADMIN_KEY, LOG_FORMAT: 'json' };
const entryLine = (sub: string) =>
  JSON.stringify({ op: 'put', entry: { id: revocationId('sub', sub), sub, before: now(), revokedAt: now() } });

describe('the data directory', { timeout: 90_000 }, () => {
  const running: Started[] = [];
  afterEach(async () => {
    for (const server of running.splice(0)) await stopServer(server);
  });

  it('a second process on the same directory refuses to start, naming it and the lock; a lock left by a killed process does not block', async () => {
    const dir = join(tempDir(), 'data');
    const first = await startServer({ ...ENV, GATEHOUSE_DATA_DIR: dir });
    running.push(first);
    expect((await revoke(first.url, { sub: 'alice' })).status).toBe(201);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'revocations.jsonl')).mode & 0o777).toBe(0o600);

    const second = await runServer({ ...ENV, GATEHOUSE_DATA_DIR: dir });
    expect(second.code).toBe(1);
    const lock = join(dir, 'revocations.lock');
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number; host: string; startedAt: string };
    expect(owner.pid).toBe(first.child.pid);
    // One line, no stack trace.
    expect(second.stderr.trim().split('\n')).toEqual([
      `the data directory ${dir} (GATEHOUSE_DATA_DIR) is in use: process ${owner.pid} on ${owner.host}, since ${owner.startedAt} is running (lock file ${lock}). One process per data directory: give each its own, or use REDIS_URL for several; if no Gatehouse process uses it any more, remove the lock file`,
    ]);
    // The first one was not disturbed.
    expect(await sessionStatus(first.url, tokenOf('alice'))).toEqual({ status: 401, reason: 'token_revoked' });

    // Killed without a chance to remove its lock: the next process finds it stale and starts.
    first.child.kill('SIGKILL');
    await first.exited;
    running.pop();
    const next = await startServer({ ...ENV, GATEHOUSE_DATA_DIR: dir });
    running.push(next);
    expect(await sessionStatus(next.url, tokenOf('alice'))).toEqual({ status: 401, reason: 'token_revoked' });
  });

  it('never follows a symbolic link to the data file: startup stops with a line saying so, the target untouched', async () => {
    const dir = tempDir();
    const victim = join(tempDir(), 'victim.conf');
    writeFileSync(victim, 'important = true\n');
    symlinkSync(victim, join(dir, 'revocations.jsonl'));
    const result = await runServer({ ...ENV, GATEHOUSE_DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `cannot load the revocations file ${join(dir, 'revocations.jsonl')}: it is a symbolic link (never followed: put the file itself there)\n`,
    );
    expect(readFileSync(victim, 'utf8')).toBe('important = true\n');
  });

  it('a data file holding more than REVOCATION_MAX_ENTRIES stops startup with one line saying why', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'revocations.jsonl'), `${['a', 'b', 'c'].map(entryLine).join('\n')}\n`);
    const result = await runServer({ ...ENV, GATEHOUSE_DATA_DIR: dir, REVOCATION_MAX_ENTRIES: '2' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^cannot load the revocations file .*revocations\.jsonl: it holds more than 2 live revocations \(REVOCATION_MAX_ENTRIES\)/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reads a 600 MB data file line by line: the overlong line is skipped, the entries after it count', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'revocations.jsonl');
    // A sparse file: 600 MB of zero bytes without a newline, then one entry.
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 600 * 1024 * 1024);
    closeSync(fd);
    writeFileSync(file, `\n${entryLine('bob')}\n`, { flag: 'a' });
    const server = await startServer({ ...ENV, GATEHOUSE_DATA_DIR: dir });
    running.push(server);
    expect(await sessionStatus(server.url, tokenOf('bob', {}, 30))).toEqual({ status: 401, reason: 'token_revoked' });
    expect(server.output()).toContain(`skipped line 1 of ${file}: longer than 65536 bytes`);
  });

  it('REVOCATION_MAX_ENTRIES bounds the revocations held: one more is 507 saying what to do', async () => {
    const server = await startServer({ ...ENV, GATEHOUSE_DATA_DIR: tempDir(), REVOCATION_MAX_ENTRIES: '1' });
    running.push(server);
    expect((await revoke(server.url, { sub: 'carol' })).status).toBe(201);
    const full = await revoke(server.url, { jti: 'one-more', exp: now() + 60 });
    expect(full.status).toBe(507);
    expect(full.body.message).toContain('1 revocations are held, the most allowed (REVOCATION_MAX_ENTRIES, revocation.maxEntries)');
    expect((await sessionStatus(server.url, tokenOf('dan', { jti: 'one-more' }))).status).toBe(200);
  });
});
