// When to fetch a key set next (docs/protocol.md §8). Pure, so the service's timers
// are easy to test.

export const MIN_REFRESH_MS = 60_000;
export const MAX_REFRESH_MS = 24 * 60 * 60_000;
export const DEFAULT_REFRESH_MS = 10 * 60_000;
/** At most one immediate refetch per this period for tokens naming an unknown kid. */
export const UNKNOWN_KID_COOLDOWN_MS = 30_000;
/** A fetch that takes longer is abandoned, so requests never wait on a slow endpoint for long. */
export const FETCH_TIMEOUT_MS = 5_000;

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 60_000;

/**
 * The background refresh period from a response's Cache-Control: its max-age clamped
 * to [1 min, 24 h]; 10 minutes without one. no-cache / no-store mean "as often as
 * allowed", which is the minimum.
 */
export function refreshDelayMs(cacheControl: string | null | undefined): number {
  const directives = (cacheControl ?? '')
    .toLowerCase()
    .split(',')
    .map((part) => part.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return MIN_REFRESH_MS;
  const maxAge = directives.map((part) => /^max-age\s*=\s*"?(\d+)"?$/.exec(part)).find(Boolean);
  if (!maxAge) return DEFAULT_REFRESH_MS;
  return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, Number(maxAge[1]) * 1000));
}

/**
 * How long to wait after `failures` fetches in a row failed: 0.5 s doubling up to a
 * minute, never later than the regular refresh would have been.
 */
export function retryDelayMs(failures: number, regularMs: number = DEFAULT_REFRESH_MS): number {
  const backoff = FIRST_RETRY_MS * 2 ** Math.max(0, Math.min(failures - 1, 16));
  return Math.min(backoff, MAX_RETRY_MS, regularMs);
}
