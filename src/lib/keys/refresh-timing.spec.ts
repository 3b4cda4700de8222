import { DEFAULT_REFRESH_MS, MAX_REFRESH_MS, MIN_REFRESH_MS, refreshDelayMs, retryDelayMs } from './refresh-timing.js';

describe('refreshDelayMs', () => {
  it.each([
    [null, DEFAULT_REFRESH_MS],
    ['public', DEFAULT_REFRESH_MS],
    ['public, max-age=300', 300_000],
    ['max-age="900", must-revalidate', 900_000],
    ['Max-Age=5', MIN_REFRESH_MS],
    ['max-age=0', MIN_REFRESH_MS],
    ['max-age=31536000', MAX_REFRESH_MS],
    ['no-cache', MIN_REFRESH_MS],
    ['no-store, max-age=3600', MIN_REFRESH_MS],
    ['max-age=abc', DEFAULT_REFRESH_MS],
  ])('%s -> %i ms', (header, expected) => {
    expect(refreshDelayMs(header)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it('backs off from half a second to a minute', () => {
    expect([1, 2, 3, 4, 8, 20, 100].map((n) => retryDelayMs(n))).toEqual([500, 1000, 2000, 4000, 60_000, 60_000, 60_000]);
  });
  it('never waits longer than the regular refresh', () => {
    expect(retryDelayMs(10, 30_000)).toBe(30_000);
  });
});
