import { failureKeyOf } from './failure-limit.js';
import { FailureLimiter } from './failure-limiter.js';

function limiter(limit: number, windowMs = 60_000, maxAddresses = 100) {
  let now = 1_000;
  const instance = new FailureLimiter({ limit, windowMs, maxAddresses, now: () => now });
  return { instance, advance: (ms: number) => (now += ms) };
}

describe('FailureLimiter', () => {
  it('allows `limit` failures, then refuses until the window ends', () => {
    const { instance, advance } = limiter(3);
    for (let i = 0; i < 2; i++) {
      expect(instance.recordFailure('1.2.3.4')).toBe(false);
      expect(instance.retryAfterSeconds('1.2.3.4')).toBe(0);
    }
    expect(instance.recordFailure('1.2.3.4')).toBe(true);
    expect(instance.retryAfterSeconds('1.2.3.4')).toBe(60);
    advance(59_001);
    expect(instance.retryAfterSeconds('1.2.3.4')).toBe(1);
    advance(999);
    expect(instance.retryAfterSeconds('1.2.3.4')).toBe(0);
  });

  it('starts a fresh window after the old one ends', () => {
    const { instance, advance } = limiter(2);
    instance.recordFailure('a');
    instance.recordFailure('a');
    advance(60_000);
    expect(instance.recordFailure('a')).toBe(false);
    expect(instance.retryAfterSeconds('a')).toBe(0);
  });

  it("keeps addresses apart: one address's failures never refuse another", () => {
    const { instance } = limiter(1);
    instance.recordFailure('attacker');
    expect(instance.retryAfterSeconds('attacker')).toBeGreaterThan(0);
    expect(instance.retryAfterSeconds('someone-else')).toBe(0);
  });

  it('limit 0 disables it and tracks nothing', () => {
    const { instance } = limiter(0);
    for (let i = 0; i < 100; i++) instance.recordFailure('a');
    expect(instance.retryAfterSeconds('a')).toBe(0);
    expect(instance.trackedAddresses).toBe(0);
    expect(instance.enabled).toBe(false);
  });

  it('stays within maxAddresses by not tracking new addresses, never by forgetting a live one', () => {
    const { instance, advance } = limiter(1, 60_000, 100);
    for (let i = 0; i < 1000; i++) {
      instance.recordFailure(`10.0.${i >> 8}.${i & 255}`);
      advance(1);
    }
    expect(instance.trackedAddresses).toBe(100);
    expect(instance.retryAfterSeconds('10.0.0.0')).toBeGreaterThan(0); // the first: kept
    expect(instance.retryAfterSeconds('10.0.0.99')).toBeGreaterThan(0); // the 100th: kept
  });

  it('a full table does not fail open: the addresses it cannot track share one allowance', () => {
    const { instance, advance } = limiter(3, 60_000, 100);
    for (let i = 0; i < 100; i++) instance.recordFailure(`filler-${i}`);
    expect(instance.trackedAddresses).toBe(100);
    // Three failures from three new addresses use up the shared allowance...
    expect(instance.countFailure('new-1')).toEqual({ retryAfterSeconds: 0, blocked: false });
    expect(instance.countFailure('new-2')).toEqual({ retryAfterSeconds: 0, blocked: false });
    expect(instance.countFailure('new-3')).toEqual({ retryAfterSeconds: 0, blocked: true });
    // ...and every other untracked address is refused until that window ends.
    expect(instance.countFailure('new-4')).toEqual({ retryAfterSeconds: 60, blocked: false });
    expect(instance.trackedAddresses).toBe(100);
    // A tracked address keeps its own count meanwhile.
    expect(instance.countFailure('filler-7').retryAfterSeconds).toBe(0);
    advance(60_000);
    // Every window has ended: room again, each address on its own.
    expect(instance.countFailure('new-4')).toEqual({ retryAfterSeconds: 0, blocked: false });
    expect(instance.trackedAddresses).toBe(1);
  });

  it('a blocked address whose window ends while the table is full gets no fresh allowance of its own', () => {
    const { instance, advance } = limiter(3, 60_000, 100);
    for (let i = 0; i < 3; i++) instance.recordFailure('attacker');
    advance(30_000);
    // The attacker keeps the table full from other addresses it holds.
    for (let i = 0; i < 99; i++) instance.recordFailure(`sock-puppet-${i}`);
    advance(30_000); // the attacker's window ends; the puppets' windows are live
    for (let i = 0; i < 3; i++) expect(instance.countFailure('attacker').retryAfterSeconds).toBe(0);
    expect(instance.countFailure('attacker').retryAfterSeconds).toBe(60);
  });

  it('keeps a blocked address blocked until its window ends, however many others fail', () => {
    const { instance, advance } = limiter(3, 60_000, 100);
    for (let i = 0; i < 3; i++) instance.recordFailure('attacker');
    expect(instance.retryAfterSeconds('attacker')).toBe(60);
    // A flood from 10,000 other addresses, spread over most of the window.
    for (let i = 0; i < 10_000; i++) {
      instance.recordFailure(`flood-${i}`);
      if (i % 200 === 0) advance(1_000);
    }
    expect(instance.trackedAddresses).toBe(100);
    expect(instance.retryAfterSeconds('attacker')).toBe(10);
    advance(10_000); // its window ends: it may try again
    expect(instance.retryAfterSeconds('attacker')).toBe(0);
    // Ended windows (the attacker's, flood-0's) are dropped, which makes room.
    instance.recordFailure('newcomer');
    expect(instance.trackedAddresses).toBe(99);
  });

  it('a tracked address keeps counting while the table is full', () => {
    const { instance } = limiter(3, 60_000, 100);
    instance.recordFailure('early');
    for (let i = 0; i < 200; i++) instance.recordFailure(`x${i}`);
    instance.recordFailure('early');
    expect(instance.recordFailure('early')).toBe(true);
    expect(instance.retryAfterSeconds('early')).toBe(60);
  });

  it('drops expired windows before live ones', () => {
    const { instance, advance } = limiter(1, 1_000, 100);
    for (let i = 0; i < 100; i++) instance.recordFailure(`old-${i}`);
    advance(1_000);
    instance.recordFailure('new');
    expect(instance.trackedAddresses).toBe(1);
  });

  it('answers an address without failures quickly (the success path)', () => {
    const { instance } = limiter(30, 60_000, 10_000);
    for (let i = 0; i < 10_000; i++) instance.recordFailure(`x${i}`);
    const started = performance.now();
    let refused = 0;
    for (let i = 0; i < 1_000_000; i++) refused += instance.retryAfterSeconds('203.0.113.7');
    const nsPerCall = ((performance.now() - started) * 1e6) / 1_000_000;
    expect(refused).toBe(0);
    // Generous bound for a shared CI machine; measured ~20-40 ns on a laptop.
    expect(nsPerCall).toBeLessThan(1_000);
  });
});

describe('failureKeyOf', () => {
  it('counts an IPv6 client by its /64 network, IPv4 (also IPv4-mapped) by its address', () => {
    expect(failureKeyOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(failureKeyOf('2001:0DB8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(failureKeyOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(failureKeyOf('::1')).toBe('0:0:0:0::/64');
    expect(failureKeyOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(failureKeyOf('2001:db8:1:2::ffff:192.0.2.1')).toBe('2001:db8:1:2::/64');
    expect(failureKeyOf('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(failureKeyOf('::ffff:c000:201')).toBe('192.0.2.1');
    expect(failureKeyOf('192.0.2.1')).toBe('192.0.2.1');
    expect(failureKeyOf('')).toBe('');
    expect(failureKeyOf(failureKeyOf('2001:db8:1:2::1'))).toBe('2001:db8:1:2::/64');
  });

  it('one IPv6 /64 shares one allowance; the next /64 has its own', () => {
    const { instance } = limiter(3);
    for (let i = 1; i <= 3; i++) instance.recordFailure(`2001:db8:0:1::${i.toString(16)}`);
    expect(instance.retryAfterSeconds('2001:db8:0:1:ffff:ffff:ffff:ffff')).toBe(60);
    expect(instance.retryAfterSeconds('2001:db8:0:2::1')).toBe(0);
  });
});
