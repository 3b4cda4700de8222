import { RevocationList } from './revocation-list.js';
import {
  dropTimeOf,
  mergeRevocations,
  parseRevocationRequest,
  parseStoredRevocation,
  revocationId,
  type Revocation,
} from './revocation.js';

// The in-memory side of docs/protocol.md §11: what a revocation covers, how two writes
// of one jti or sub merge, when entries are dropped.

const NOW = 1_800_000_000;
const jti = (value: string, exp: number): Revocation => ({ id: revocationId('jti', value), jti: value, exp, revokedAt: NOW });
const sub = (value: string, before: number): Revocation => ({ id: revocationId('sub', value), sub: value, before, revokedAt: NOW });

describe('RevocationList', () => {
  const retention = { leeway: 2, maxTokenLifetimeSeconds: null };

  it('covers a listed jti, whatever its sub; and tokens of a sub issued before its cut-off', () => {
    const list = new RevocationList(retention);
    list.put(jti('t1', NOW + 60));
    list.put(sub('alice', NOW));
    expect(list.covers('bob', 't1', NOW - 5)).toBe(true);
    expect(list.covers('bob', 't2', NOW - 5)).toBe(false);
    expect(list.covers('alice', 't2', NOW - 1)).toBe(true);
    expect(list.covers('alice', 't2', NOW)).toBe(false); // iat equal to the cut-off: issued from it on
    expect(list.covers('alice', undefined, undefined)).toBe(true); // no iat: cannot show it is newer
    expect(list.covers('carol', undefined, undefined)).toBe(false);
  });

  it('one entry per jti and per sub: a put replaces, a remove lifts', () => {
    const list = new RevocationList(retention);
    list.put(sub('alice', NOW));
    list.put(sub('alice', NOW - 100));
    expect(list.size).toBe(1);
    expect(list.covers('alice', undefined, NOW - 50)).toBe(false);
    expect(list.remove(revocationId('sub', 'alice'))).toBe(true);
    expect(list.remove(revocationId('sub', 'alice'))).toBe(false);
    expect(list.covers('alice', undefined, NOW - 200)).toBe(false);
  });

  it('finds by sub or jti in O(1), or lists all', () => {
    const list = new RevocationList(retention);
    list.replaceAll([jti('t1', NOW), sub('alice', NOW), sub('bob', NOW)]);
    expect(list.find({ sub: 'alice' })).toEqual([sub('alice', NOW)]);
    expect(list.find({ jti: 't1' })).toEqual([jti('t1', NOW)]);
    expect(list.find({ sub: 'nobody' })).toEqual([]);
    expect(list.find({})).toHaveLength(3);
  });

  it('drops a jti once its token has expired (exp + leeway), keeps sub cut-offs unless a lifetime is set', () => {
    const list = new RevocationList(retention);
    list.replaceAll([jti('t1', NOW), sub('alice', NOW - 10_000)]);
    expect(list.dropExpired(NOW + 2)).toBe(0); // exp + leeway: the token still passes
    expect(list.dropExpired(NOW + 3)).toBe(1);
    expect(list.covers('x', 't1', undefined)).toBe(false);
    expect(list.dropExpired(NOW + 10 * 365 * 86_400)).toBe(0);
    expect(list.size).toBe(1);

    const bounded = new RevocationList({ leeway: 2, maxTokenLifetimeSeconds: 3600 });
    bounded.put(sub('alice', NOW));
    expect(bounded.dropExpired(NOW + 3602)).toBe(0);
    expect(bounded.dropExpired(NOW + 3603)).toBe(1);
  });
});

describe('revocation entries', () => {
  it('ids: one per jti or sub, the same everywhere, URL-safe, not showing the value', () => {
    expect(revocationId('sub', 'alice')).toBe(revocationId('sub', 'alice'));
    expect(revocationId('sub', 'alice')).not.toBe(revocationId('jti', 'alice'));
    expect(revocationId('jti', 'a/b?c')).toMatch(/^jti_[A-Za-z0-9_-]{22}$/);
    expect(revocationId('sub', 'alice@example.com')).not.toContain('alice');
  });

  it('merging keeps the entry that revokes more', () => {
    expect(mergeRevocations(undefined, sub('a', NOW))).toEqual(sub('a', NOW));
    expect(mergeRevocations(sub('a', NOW), sub('a', NOW - 1))).toEqual(sub('a', NOW));
    expect(mergeRevocations(jti('t', NOW), jti('t', NOW + 1))).toEqual(jti('t', NOW + 1));
  });

  it('drop times', () => {
    expect(dropTimeOf(jti('t', NOW), { leeway: 2, maxTokenLifetimeSeconds: null })).toBe(NOW + 3);
    expect(dropTimeOf(sub('a', NOW), { leeway: 2, maxTokenLifetimeSeconds: null })).toBe(Number.POSITIVE_INFINITY);
    expect(dropTimeOf(sub('a', NOW), { leeway: 0, maxTokenLifetimeSeconds: 60 })).toBe(NOW + 61);
  });

  it('requests: before defaults to now; the entry gets its id', () => {
    expect(parseRevocationRequest({ sub: 'alice' }, NOW)).toEqual(sub('alice', NOW));
    expect(parseRevocationRequest({ jti: 't', exp: NOW + 5 }, NOW)).toEqual(jti('t', NOW + 5));
    expect(parseRevocationRequest({ sub: 'alice', before: 12.5 }, NOW)).toMatchObject({ before: 12.5 });
  });

  it('stored records are checked as strictly as requests, and their id must be theirs', () => {
    expect(parseStoredRevocation(sub('alice', NOW))).toEqual(sub('alice', NOW));
    expect(parseStoredRevocation({ ...sub('alice', NOW), id: revocationId('sub', 'bob') })).toBeUndefined();
    expect(parseStoredRevocation({ ...sub('alice', NOW), revokedAt: 'then' })).toBeUndefined();
    expect(parseStoredRevocation({ id: 'x', jti: 't' })).toBeUndefined();
    expect(parseStoredRevocation(null)).toBeUndefined();
    expect(parseStoredRevocation({ ...jti('t', NOW), extra: 1 })).toEqual(jti('t', NOW));
  });
});
