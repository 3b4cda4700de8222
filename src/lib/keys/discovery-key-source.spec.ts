import { generateKeyPairSync } from 'node:crypto';
import { DiscoveryKeySource } from './discovery-key-source.js';
import { discoveryUrl } from './discovery.js';
import { KeySetFetchError, type FetchedKeySet } from './jwks-fetcher.js';

// OpenID Connect discovery with scripted answers: the document is checked, refreshed as
// its Cache-Control says, and its jwks_uri used as a key set URL is.

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ISSUER = 'https://idp.example/realms/a';
const quiet = { log: vi.fn(), warn: vi.fn(), error: vi.fn() };
const keySet = (kid: string): FetchedKeySet => ({
  body: { keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid }] },
  cacheControl: null,
});
const document = (fields: Record<string, unknown>, cacheControl: string | null = null): FetchedKeySet => ({
  body: { issuer: ISSUER, jwks_uri: `${ISSUER}/certs`, ...fields },
  cacheControl,
});

/** Each call takes the next answer; the last repeats. */
function scripted(...answers: (FetchedKeySet | Error)[]) {
  return vi.fn(async (url: string): Promise<FetchedKeySet> => {
    void url;
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    if (answer instanceof Error) throw answer;
    return answer;
  });
}

describe('DiscoveryKeySource', () => {
  let source: DiscoveryKeySource;
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    source?.onModuleDestroy();
    vi.useRealTimers();
  });

  const start = (discoveryFetcher: ReturnType<typeof scripted>, fetcher: ReturnType<typeof scripted>) => {
    source = new DiscoveryKeySource(ISSUER, ['ES256'], { discoveryFetcher, fetcher, logger: quiet, now: Date.now });
    source.onModuleInit();
    return source;
  };

  it('discoveryUrl: the issuer, less a terminating slash, then /.well-known/openid-configuration', () => {
    expect(discoveryUrl('https://tenant.auth0.com/')).toBe('https://tenant.auth0.com/.well-known/openid-configuration');
    expect(discoveryUrl(ISSUER)).toBe(`${ISSUER}/.well-known/openid-configuration`);
  });

  it("loads the jwks_uri's keys and is ready; the key set is the document's, nothing else", async () => {
    const discovery = scripted(document({}));
    const jwks = scripted(keySet('k1'));
    start(discovery, jwks);
    expect(source.ready).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(discovery).toHaveBeenCalledWith(`${ISSUER}/.well-known/openid-configuration`, expect.anything());
    expect(jwks).toHaveBeenCalledWith(`${ISSUER}/certs`, expect.anything());
    expect(source.ready).toBe(true);
    expect(source.keysFor({ alg: 'ES256', kid: 'k1' })).toHaveLength(1);
  });

  it('refuses a document naming another issuer (exact match), or without a usable jwks_uri; never fetches keys then', async () => {
    for (const fields of [
      { issuer: `${ISSUER}/` },
      { issuer: 'https://IDP.example/realms/a' },
      { jwks_uri: 'http://idp.example/certs' },
      { jwks_uri: 5 },
    ]) {
      const jwks = scripted(keySet('k1'));
      start(scripted(document(fields)), jwks);
      await vi.advanceTimersByTimeAsync(0);
      expect(source.ready).toBe(false);
      expect(source.status().message).toMatch(
        /^OpenID discovery not done yet: discovery document (names another issuer|has no usable jwks_uri)$/,
      );
      expect(jwks).not.toHaveBeenCalled();
      source.onModuleDestroy();
    }
  });

  it('refreshes the document as its Cache-Control says, within [1 min, 24 h]; a new jwks_uri brings a new key set', async () => {
    const discovery = scripted(document({}, 'max-age=120'), document({ jwks_uri: `${ISSUER}/certs-2` }, 'max-age=5'));
    const jwks = scripted(keySet('k1'), keySet('k2'));
    start(discovery, jwks);
    await vi.advanceTimersByTimeAsync(0);
    const version = source.version;
    await vi.advanceTimersByTimeAsync(119_000);
    expect(discovery).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(discovery).toHaveBeenCalledTimes(2);
    expect(jwks).toHaveBeenLastCalledWith(`${ISSUER}/certs-2`, expect.anything());
    expect(source.keysFor({ alg: 'ES256', kid: 'k2' })).toHaveLength(1);
    expect(source.keysFor({ alg: 'ES256', kid: 'k1' })).toBeUndefined();
    expect(source.version).not.toBe(version);
    // max-age=5 is below the minute: the next refresh waits the minute.
    await vi.advanceTimersByTimeAsync(59_000);
    expect(discovery).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(discovery).toHaveBeenCalledTimes(3);
  });

  it('keeps its keys when a later document fetch fails', async () => {
    const discovery = scripted(document({}, 'max-age=60'), new KeySetFetchError('answered HTTP 500', 'fetch failed (HTTP 500)'));
    start(discovery, scripted(keySet('k1')));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(discovery).toHaveBeenCalledTimes(2);
    expect(source.ready).toBe(true);
    expect(source.keysFor({ alg: 'ES256', kid: 'k1' })).toHaveLength(1);
  });

  it('before discovery succeeded, an unknown kid tries again at most once every 30 s', async () => {
    const down = new KeySetFetchError('request failed', 'fetch failed (connection refused)');
    const discovery = scripted(down);
    start(discovery, scripted(keySet('k1')));
    await vi.advanceTimersByTimeAsync(0);
    const calls = discovery.mock.calls.length;
    expect(await source.refreshForUnknownKid()).toBe(false);
    expect(await source.refreshForUnknownKid()).toBe(false);
    expect(discovery.mock.calls.length).toBe(calls + 1);
  });
});
