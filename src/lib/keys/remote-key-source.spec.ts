import { generateKeyPairSync } from 'node:crypto';
import { KeySetFetchError, type FetchedKeySet } from './jwks-fetcher.js';
import { RemoteKeySource, displayUrl } from './remote-key-source.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec2 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const set = (...kids: string[]) => ({
  keys: kids.map((kid, i) => ({ ...(i === 0 ? ec : ec2).publicKey.export({ format: 'jwk' }), kid })),
});
const quiet = { log: vi.fn(), warn: vi.fn(), error: vi.fn() };

/** A provider whose answers the test scripts: each call takes the next one, the last repeats. */
function provider(...answers: (FetchedKeySet | Error)[]) {
  const fetcher = vi.fn(async (): Promise<FetchedKeySet> => {
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return fetcher;
}

describe('RemoteKeySource', () => {
  let source: RemoteKeySource;
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    source?.onModuleDestroy();
    vi.useRealTimers();
  });

  const start = (fetcher: ReturnType<typeof provider>) => {
    source = new RemoteKeySource('https://idp.example/jwks', ['ES256'], { fetcher, logger: quiet, now: Date.now });
    source.onModuleInit();
    return source;
  };

  it('is not ready until the first set loads, retrying with backoff', async () => {
    const http503 = new KeySetFetchError('answered HTTP 503', 'fetch failed (HTTP 503)');
    const fetcher = provider(http503, http503, { body: set('a'), cacheControl: null });
    start(fetcher);
    expect(source.status()).toEqual({
      ready: false,
      message: 'identity provider key set not loaded yet',
      keySet: { keys: 0, fetchedAt: null },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(source.status()).toEqual({
      ready: false,
      message: 'identity provider key set not loaded yet: fetch failed (HTTP 503)',
      keySet: { keys: 0, fetchedAt: null, lastError: 'fetch failed (HTTP 503)' },
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(fetcher).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(fetcher).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetcher).toHaveBeenCalledTimes(3);
    expect(source.status()).toMatchObject({ ready: true, keySet: { keys: 1 } });
    expect(source.keysFor({ alg: 'ES256', kid: 'a' })).toHaveLength(1);
  });

  it('refreshes as Cache-Control says, clamped, and keeps its keys when a refresh fails', async () => {
    const fetcher = provider(
      { body: set('a'), cacheControl: 'max-age=5' }, // clamped up to 60 s
      new KeySetFetchError('no answer within 5000 ms', 'fetch failed (no answer in time)'),
      { body: set('b'), cacheControl: null },
    );
    start(fetcher);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(fetcher).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetcher).toHaveBeenCalledTimes(2);
    expect(source.status()).toMatchObject({ ready: true, keySet: { lastError: 'fetch failed (no answer in time)' } });
    expect(source.status().message).toBeUndefined();
    expect(source.keysFor({ alg: 'ES256', kid: 'a' })).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500); // retry after the failure
    expect(fetcher).toHaveBeenCalledTimes(3);
    // The new set replaces the old one entirely: a key the provider dropped is gone.
    expect(source.keysFor({ alg: 'ES256', kid: 'a' })).toBeUndefined();
    expect(source.keysFor({ alg: 'ES256', kid: 'b' })).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10 * 60_000); // no Cache-Control: 10 minutes
    expect(fetcher).toHaveBeenCalledTimes(4);
  });

  it('treats a set without usable keys as a failed fetch', async () => {
    const fetcher = provider({ body: set('a'), cacheControl: null }, { body: { keys: [{ kty: 'oct', k: 'AA' }] }, cacheControl: null });
    start(fetcher);
    await vi.advanceTimersByTimeAsync(0);
    await source.refresh();
    expect(source.status()).toMatchObject({ ready: true, keySet: { keys: 1, lastError: 'key set holds no usable key' } });
    expect(quiet.error).toHaveBeenLastCalledWith(
      expect.stringContaining('holds no usable key for [ES256]; keeping the 1 key(s) already held'),
    );
    expect(source.keysFor({ alg: 'ES256', kid: 'a' })).toHaveLength(1);
  });

  it('refetches for an unknown kid at most once per 30 s, sharing one fetch', async () => {
    const fetcher = provider({ body: set('a'), cacheControl: 'max-age=86400' });
    start(fetcher);
    await vi.advanceTimersByTimeAsync(0);
    expect(fetcher).toHaveBeenCalledTimes(1);

    const concurrent = await Promise.all(Array.from({ length: 10 }, () => source.refreshForUnknownKid()));
    expect(concurrent).toEqual(Array(10).fill(true));
    expect(fetcher).toHaveBeenCalledTimes(2);

    await vi.advanceTimersByTimeAsync(29_999);
    expect(await source.refreshForUnknownKid()).toBe(false);
    expect(fetcher).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(await source.refreshForUnknownKid()).toBe(true);
    expect(fetcher).toHaveBeenCalledTimes(3);
  });

  it('joins a fetch that is already running, even within the cooldown', async () => {
    let release!: (value: FetchedKeySet) => void;
    const fetcher = vi.fn(() => new Promise<FetchedKeySet>((resolve) => (release = resolve)));
    source = new RemoteKeySource('https://idp.example/jwks', ['ES256'], { fetcher, logger: quiet });
    source.onModuleInit();
    const waiting = [source.refreshForUnknownKid(), source.refreshForUnknownKid()];
    expect(fetcher).toHaveBeenCalledTimes(1);
    release({ body: set('a'), cacheControl: null });
    expect(await Promise.all(waiting)).toEqual([true, true]);
  });

  it('after a huge answer or a redirect, waits 30 s before asking again, even for unknown kids', async () => {
    const tooLarge = new KeySetFetchError('answered more than 1048576 bytes', 'fetch failed (answer larger than 1 MiB)', true);
    const fetcher = provider(tooLarge, { body: set('a'), cacheControl: null });
    start(fetcher);
    await vi.advanceTimersByTimeAsync(0);
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(await source.refreshForUnknownKid()).toBe(false);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(await source.refreshForUnknownKid()).toBe(false);
    expect(fetcher).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetcher).toHaveBeenCalledTimes(2);
    expect(source.status().ready).toBe(true);
  });

  it('shows fixed words for an unexpected error, never its text', async () => {
    start(provider(new Error('/var/lib/secret/path: EACCES')));
    await vi.advanceTimersByTimeAsync(0);
    expect(source.status()).toMatchObject({ ready: false, keySet: { lastError: 'fetch failed' } });
    expect(JSON.stringify(source.status())).not.toContain('EACCES');
  });

  it('stops its timers and aborts its fetch on shutdown', async () => {
    let signal: AbortSignal | undefined;
    const fetcher = vi.fn((_url: string, s?: AbortSignal) => {
      signal = s;
      return Promise.reject(new Error('answered HTTP 500'));
    });
    start(fetcher as never);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    source.onModuleDestroy();
    expect(vi.getTimerCount()).toBe(0);
    expect(signal?.aborted).toBe(true);
  });
});

describe('displayUrl', () => {
  it('masks credentials and query values', () => {
    expect(displayUrl('https://user:secret@idp.example/jwks')).toBe('https://***@idp.example/jwks');
    expect(displayUrl('https://idp.example/jwks')).toBe('https://idp.example/jwks');
    expect(displayUrl('https://idp.example/jwks?api_key=SECRET&tenant=7#frag')).toBe('https://idp.example/jwks?api_key=***&tenant=***');
  });
});
