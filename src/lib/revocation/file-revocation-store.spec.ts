import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRevocationStore } from './file-revocation-store.js';
import { RevocationList } from './revocation-list.js';
import type { RevocationSink } from './revocation-store.js';
import { StoreUnavailable } from './revocation-store.js';
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
    const store = new FileRevocationStore(dir, retention);
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
    await new FileRevocationStore(dir, retention).start(sinkOf(again), 0);
    expect(again.find({})).toEqual(list.find({}));
  });

  it('writes nothing when a write would not change the entry (an earlier cut-off)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
    const store = new FileRevocationStore(dir, retention);
    await store.start(sinkOf(new RevocationList(retention)), 0);
    const first = await store.add(request({ sub: 'alice', before: now() }));
    expect(await store.add(request({ sub: 'alice', before: now() - 100 }))).toEqual(first);
    await store.close();
    expect(lines(store.path)).toHaveLength(1);
  });

  it('compacts at start and at tidy once obsolete lines outnumber live ones (and reach the threshold)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
    const store = new FileRevocationStore(dir, retention, 4);
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
    const reopened = new FileRevocationStore(bloated, retention, 4);
    await reopened.start(sinkOf(list), 0);
    expect(lines(path)).toEqual([JSON.stringify({ op: 'put', entry: kept })]);
    expect(list.size).toBe(1);
    await reopened.close();
  });

  it('a write that cannot reach the disk is refused (StoreUnavailable), and nothing is revoked', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gatehouse-store-')), 'data');
    const list = new RevocationList(retention);
    const store = new FileRevocationStore(dir, retention);
    await store.start(sinkOf(list), 0);
    writeFileSync(dir, 'a file where the directory should be');
    await expect(store.add(request({ sub: 'alice' }))).rejects.toBeInstanceOf(StoreUnavailable);
    expect(list.size).toBe(0);
    await store.close();
  });

  it('a data file that exists but cannot be read stops the start: serving without it would accept revoked tokens', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-store-')), 'not-a-directory');
    writeFileSync(file, 'x');
    const store = new FileRevocationStore(join(file, 'data'), retention);
    await expect(store.start(sinkOf(new RevocationList(retention)), 0)).rejects.toThrow(
      /^cannot read the revocations file .*not-a-directory\/data\/revocations\.jsonl: ENOTDIR/,
    );
  });
});
