import type { Session } from '../core/session.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

const NOW = 1_767_225_600;
const LEEWAY = 2;

function entry(sub: string, payload: Record<string, unknown>): [Session, Record<string, unknown>] {
  const exp = typeof payload.exp === 'number' ? payload.exp : null;
  return [{ sub, expiresAt: exp, claims: payload, authMode: 'secure' }, payload];
}

describe('VerifiedTokenCache', () => {
  it('answers a stored token with its session, and nothing for an unknown one', () => {
    const cache = new VerifiedTokenCache(LEEWAY);
    const [session, payload] = entry('alice', { sub: 'alice', iat: NOW - 10, exp: NOW + 60 });
    cache.set('t1', session, payload, NOW);
    expect(cache.get('t1', NOW)).toBe(session);
    expect(cache.get('t2', NOW)).toBeUndefined();
  });

  it("freezes what it shares, claims included: one request cannot change another one's session", () => {
    const cache = new VerifiedTokenCache(LEEWAY);
    const [session, payload] = entry('alice', { sub: 'alice', iat: NOW, exp: NOW + 60, roles: ['a'], org: { id: 1 } });
    cache.set('t', session, payload, NOW);
    const hit = cache.get('t', NOW)!;
    expect(Object.isFrozen(hit)).toBe(true);
    expect(Object.isFrozen(hit.claims.roles)).toBe(true);
    expect(Object.isFrozen(hit.claims.org)).toBe(true);
  });

  describe('expiry boundary (exp < now - leeway is expired, as in checkTimes)', () => {
    const [session, payload] = entry('alice', { sub: 'alice', iat: NOW - 10, exp: NOW + 60 });

    it('still answers at exp + leeway', () => {
      const cache = new VerifiedTokenCache(LEEWAY);
      cache.set('t', session, payload, NOW);
      expect(cache.get('t', NOW + 60 + LEEWAY)).toBe(session);
    });

    it('never answers one second later, and forgets the token', () => {
      const cache = new VerifiedTokenCache(LEEWAY);
      cache.set('t', session, payload, NOW);
      expect(cache.get('t', NOW + 60 + LEEWAY + 1)).toBeUndefined();
      expect(cache.size).toBe(0);
      // Not even if the clock goes back: the entry is gone, a fresh check decides.
      expect(cache.get('t', NOW)).toBeUndefined();
    });

    it('with no leeway, exp = now is the last second', () => {
      const cache = new VerifiedTokenCache(0);
      cache.set('t', session, payload, NOW);
      expect(cache.get('t', NOW + 60)).toBe(session);
      expect(cache.get('t', NOW + 61)).toBeUndefined();
    });

    it('sweeps expired tokens out even when nobody asks for them again', () => {
      const cache = new VerifiedTokenCache(LEEWAY);
      cache.set('old', ...entry('a', { sub: 'a', iat: NOW - 10, exp: NOW + 5 }), NOW);
      cache.set('new', ...entry('b', { sub: 'b', iat: NOW - 10, exp: NOW + 3600 }), NOW);
      cache.sweep(NOW + 60);
      expect(cache.size).toBe(1);
      expect(cache.get('new', NOW + 60)).toBeDefined();
    });

    it('keeps tokens without exp (insecure mode allows them): no time can expire them', () => {
      const cache = new VerifiedTokenCache(LEEWAY);
      cache.set('t', ...entry('alice', { sub: 'alice' }), NOW);
      expect(cache.get('t', NOW + 10 * 365 * 86400)).toBeDefined();
    });
  });

  describe('capacity', () => {
    it('never holds more than its capacity, dropping the least recently used', () => {
      const cache = new VerifiedTokenCache(LEEWAY, 3);
      const payload = { sub: 'x', iat: NOW - 10, exp: NOW + 3600 };
      for (const token of ['a', 'b', 'c']) cache.set(token, ...entry(token, payload), NOW);
      expect(cache.get('a', NOW)).toBeDefined(); // a is now the most recent: b is the oldest
      cache.set('d', ...entry('d', payload), NOW);
      cache.set('e', ...entry('e', payload), NOW);
      expect(cache.size).toBe(3);
      expect(cache.get('b', NOW)).toBeUndefined();
      expect(cache.get('c', NOW)).toBeUndefined();
      for (const token of ['a', 'd', 'e']) expect(cache.get(token, NOW)).toBeDefined();
    });

    it('stores the same token once', () => {
      const cache = new VerifiedTokenCache(LEEWAY, 3);
      const payload = { sub: 'x', iat: NOW - 10, exp: NOW + 3600 };
      for (let i = 0; i < 5; i++) cache.set('same', ...entry('x', payload), NOW);
      expect(cache.size).toBe(1);
    });

    it('capacity 0 stores nothing', () => {
      const cache = new VerifiedTokenCache(LEEWAY, 0);
      cache.set('t', ...entry('x', { sub: 'x', iat: NOW, exp: NOW + 60 }), NOW);
      expect(cache.size).toBe(0);
    });
  });

  describe('tokens that are not valid yet are never stored', () => {
    it.each([
      ['iat one second ahead (accepted thanks to the leeway)', { iat: NOW + 1 }],
      ['nbf one second ahead (accepted thanks to the leeway)', { iat: NOW, nbf: NOW + 1 }],
      ['a non-numeric nbf', { iat: NOW, nbf: 'soon' }],
    ])('%s', (_name, times) => {
      const cache = new VerifiedTokenCache(LEEWAY);
      cache.set('t', ...entry('x', { sub: 'x', exp: NOW + 60, ...times }), NOW);
      expect(cache.size).toBe(0);
    });

    it('iat and nbf equal to now are settled and stored', () => {
      const cache = new VerifiedTokenCache(LEEWAY);
      cache.set('t', ...entry('x', { sub: 'x', iat: NOW, nbf: NOW, exp: NOW + 60 }), NOW);
      expect(cache.get('t', NOW)).toBeDefined();
    });
  });
});
