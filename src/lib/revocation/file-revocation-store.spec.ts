import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE } from './data-dir-lock.js';
import { FileRevocationStore } from './file-revocation-store.js';
import { RevocationList } from './revocation-list.js';
import type { RevocationSink } from './revocation-store.js';
import { RevocationsFull, StoreUnavailable } from './revocation-store.js';
import type { JtiRevocation, Revocation } from './revocation.js';
import { parseRevocationRequest } from './revocation.js';

// The data file of one process: appended, replayed, compacted once most of its lines
// no longer count, and a write that cannot reach the disk is refused.

const retention = { leeway: 0, maxTokenLifetimeSeconds: null };
const now = () => Math.floor(Date.now() / 1000);

function sinkOf(list: RevocationList): RevocationSink {
  return {
    replaceAll: (entries) => list.replaceAll(entries),
    put: (entry) => list.put(entry),
    remove: (id) => list.remove(id),
    held: () => list.entries(),
  };
}

const request = (body: unknown) => parseRevocationRequest(body, now()) as Revocation;
const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

describe('FileRevocationStore', () => {
  it('replays puts and lifts in order across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
    const store = new FileRevocationStore(dir, retention, { maxEntries: 1000 });
    const list = new RevocationList(retention);
    await store.start(sinkOf(list), 0);
    const alice = await store.add(request({ sub: 'alice' }));
    await store.add(request({ sub: 'bob' }));
    expect(await store.remove(alice.id)).toBe(true);
    expect(await store.remove(alice.id)).toBe(false);
    expect(list.find({}).map((entry) => ('sub' in entry ? entry.sub : ''))).toEqual(['bob']);
    await store.close();
    expect(lines(store.path)).toHaveLength(3);

    const again = new RevocationList(retention);
    await new FileRevocationStore(dir, retention, { maxEntries: 1000 }).start(sinkOf(again), 0);
    expect(again.find({})).toEqual(list.find({}));
  });

  it('writes nothing when a write would not change the entry (an earlier cut-off)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
    const store = new FileRevocationStore(dir, retention, { maxEntries: 1000 });
    await store.start(sinkOf(new RevocationList(retention)), 0);
    const first = await store.add(request({ sub: 'alice', before: now() }));
    expect(await store.add(request({ sub: 'alice', before: now() - 100 }))).toEqual(first);
    await store.close();
    expect(lines(store.path)).toHaveLength(1);
  });

  it('compacts at start and at tidy once obsolete lines outnumber live ones (and reach the threshold)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
    const store = new FileRevocationStore(dir, retention, { maxEntries: 1000, compactAfter: 4 });
    await store.start(sinkOf(new RevocationList(retention)), 0);
    const expiring = await store.add(request({ jti: 'short', exp: now() + 1 }));
    for (const sub of ['a', 'b', 'c']) await store.remove((await store.add(request({ sub }))).id);
    await store.add(request({ sub: 'kept' }));
    expect(lines(store.path)).toHaveLength(8);
    // 8 records, 2 live: compacted.
    await store.tidy(now());
    expect(lines(store.path).map((line) => JSON.parse(line).entry.id)).toEqual([expiring.id, expect.stringMatching(/^sub_/)]);
    // The jti's token has expired: dropped at the next tidy (1 obsolete line is under the threshold, so kept in the file for now).
    await store.tidy((expiring as JtiRevocation).exp + 1);
    expect(lines(store.path)).toHaveLength(2);
    await store.close();

    // At start: a file of mostly lifted entries is rewritten.
    const bloated = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
    const path = join(bloated, 'revocations.jsonl');
    const kept = request({ sub: 'kept' });
    const records = [{ op: 'put', entry: kept }];
    for (let i = 0; i < 5; i++) {
      const entry = request({ sub: `gone-${i}` });
      records.push({ op: 'put', entry }, { op: 'lift', id: entry.id } as never);
    }
    writeFileSync(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
    const list = new RevocationList(retention);
    const reopened = new FileRevocationStore(bloated, retention, { maxEntries: 1000, compactAfter: 4 });
    await reopened.start(sinkOf(list), 0);
    expect(lines(path)).toEqual([JSON.stringify({ op: 'put', entry: kept })]);
    expect(list.size).toBe(1);
    await reopened.close();
  });

  it('a write that cannot reach the disk is refused (StoreUnavailable), and nothing is revoked', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gatehouse-store-')), 'data');
    const list = new RevocationList(retention);
    const store = new FileRevocationStore(dir, retention, { maxEntries: 1000 });
    await store.start(sinkOf(list), 0);
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'a file where the directory should be');
    await expect(store.add(request({ sub: 'alice' }))).rejects.toBeInstanceOf(StoreUnavailable);
    expect(list.size).toBe(0);
    await store.close();
  });

  it('a data file that exists but cannot be read stops the start: serving without it would accept revoked tokens', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-store-')), 'not-a-directory');
    writeFileSync(file, 'x');
    const store = new FileRevocationStore(join(file, 'data'), retention, { maxEntries: 1000 });
    await expect(store.start(sinkOf(new RevocationList(retention)), 0)).rejects.toThrow(
      /^Invalid configuration:\nthe data directory .*not-a-directory\/data \(GATEHOUSE_DATA_DIR\) cannot be created: ENOTDIR/,
    );
  });
});

describe('FileRevocationStore: one writer, its own files', () => {
  const fresh = () => mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
  const store = (dir: string, maxEntries = 1000) => new FileRevocationStore(dir, retention, { maxEntries });
  const started = async (dir: string, maxEntries = 1000) => {
    const instance = store(dir, maxEntries);
    await instance.start(sinkOf(new RevocationList(retention)), 0);
    return instance;
  };

  it('creates the directory 0700 and the files 0600', async () => {
    const dir = join(fresh(), 'data');
    const first = await started(dir);
    await first.add(request({ sub: 'alice' }));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, LOCK_FILE)).mode & 0o777).toBe(0o600);
    await first.close();
  });

  it('two stores of one process on one directory share one file and one lock; each sees what the other writes', async () => {
    const dir = fresh();
    const [listA, listB] = [new RevocationList(retention), new RevocationList(retention)];
    const a = store(dir);
    const b = store(dir);
    await a.start(sinkOf(listA), 0);
    await b.start(sinkOf(listB), 0);
    const alice = await a.add(request({ sub: 'alice' }));
    expect(listB.find({ sub: 'alice' })).toEqual([alice]);
    await b.remove(alice.id);
    expect(listA.size).toBe(0);
    await a.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true); // b still uses it
    await b.add(request({ sub: 'bob' }));
    await b.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(lines(join(dir, 'revocations.jsonl'))).toHaveLength(3);
    await expect(b.add(request({ sub: 'carol' }))).rejects.toBeInstanceOf(StoreUnavailable);
  });

  it("a lock left by a process that is gone is taken over; a running process's lock is not", async () => {
    const dir = fresh();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(dead), host: hostname(), startedAt: 'then' }));
    const taken = await started(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await taken.close();
    // The parent of this test process is running.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'now' }));
    await expect(started(dir)).rejects.toThrow(`process ${process.ppid} on ${hostname()}, since now is running`);
  });

  it('never follows a symbolic link: a linked data file stops the start, a planted compaction link is replaced', async () => {
    const dir = fresh();
    const victim = join(fresh(), 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, 'revocations.jsonl'));
    await expect(started(dir)).rejects.toThrow(/cannot load the revocations file .*: it is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);

    const other = fresh();
    const compacting = new FileRevocationStore(other, retention, { maxEntries: 1000, compactAfter: 1 });
    await compacting.start(sinkOf(new RevocationList(retention)), 0);
    for (const sub of ['a', 'b']) await compacting.remove((await compacting.add(request({ sub }))).id);
    symlinkSync(victim, join(other, 'revocations.jsonl.compacting'));
    await compacting.tidy(now());
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(other, 'revocations.jsonl')).isFile()).toBe(true);
    expect(readFileSync(join(other, 'revocations.jsonl'), 'utf8')).toBe('');
    await compacting.close();
  });

  it('holds at most maxEntries: one more is RevocationsFull; an update of one held is not', async () => {
    const full = await started(fresh(), 2);
    await full.add(request({ sub: 'a' }));
    await full.add(request({ jti: 'b', exp: now() + 60 }));
    await expect(full.add(request({ sub: 'c' }))).rejects.toBeInstanceOf(RevocationsFull);
    await expect(full.add(request({ jti: 'b', exp: now() + 120 }))).resolves.toMatchObject({ jti: 'b' });
    await full.close();
  });

  it('reads the file line by line: an overlong line is skipped, a file over the bound stops the start with why', async () => {
    const dir = fresh();
    const kept = request({ sub: 'kept' });
    writeFileSync(join(dir, 'revocations.jsonl'), `${'x'.repeat(200_000)}\n${JSON.stringify({ op: 'put', entry: kept })}\n`);
    const list = new RevocationList(retention);
    const reading = store(dir);
    await reading.start(sinkOf(list), 0);
    expect(list.find({})).toEqual([kept]);
    await reading.close();

    const crowded = fresh();
    const records = ['a', 'b', 'c'].map((sub) => JSON.stringify({ op: 'put', entry: request({ sub }) }));
    writeFileSync(join(crowded, 'revocations.jsonl'), `${records.join('\n')}\n`);
    await expect(started(crowded, 2)).rejects.toThrow(/cannot load the revocations file .*: it holds more than 2 live revocations/);
  });
});
