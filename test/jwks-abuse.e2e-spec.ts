import { existsSync, readFileSync } from 'node:fs';
import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { JwksServer, eventually, publicJwk, startWithKeySet } from './support/jwks-server.js';
import { startServer, stopServer, type Started } from './support/server-process.js';
import { generateEd25519, signedToken, validFor, type TestKeyPair } from './support/tokens.js';

// What an identity provider (or whoever answers at its address) can make Gatehouse
// do: follow it elsewhere, swallow a huge body, or spend a signature check on every
// key of a huge set for one token.

const session = (url: string, token: string) => request(url).get('/api/session').set('Authorization', `Bearer ${token}`);

describe('JWKS: a redirect is a failed fetch, never followed', () => {
  const key = generateEd25519();
  const elsewhere = new JwksServer(); // where the redirect points: must never be asked
  const front = new JwksServer(); // the configured AUTH_JWT_JWKS_URL
  beforeAll(async () => {
    await elsewhere.start();
    await front.start();
    elsewhere.keys = [publicJwk(key.publicKey, { kid: 'k1' })];
    front.keys = [publicJwk(key.publicKey, { kid: 'k1' })];
  });
  afterAll(async () => {
    await elsewhere.stop();
    await front.stop();
  });

  it('stays not ready while the key set URL only redirects', async () => {
    front.redirectTo = elsewhere.url;
    const running = await startApp({ AUTH_MODE: 'secure', AUTH_JWT_JWKS_URL: front.url });
    try {
      await eventually(() => expect(front.hits).toBeGreaterThanOrEqual(1));
      const health = await request(running.url).get('/health');
      expect(health.status).toBe(503);
      expect(health.body.message).toBe('identity provider key set not loaded yet: fetch failed (HTTP 302 redirect, not followed)');
      expect(elsewhere.hits).toBe(0);
    } finally {
      await running.app.close();
    }
  });

  it('keeps the keys already held when a refresh is redirected', async () => {
    front.redirectTo = undefined;
    const hitsBefore = front.hits;
    const running = await startWithKeySet(front);
    try {
      const token = signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: key.privateKey, kid: 'k1' });
      expect((await session(running.url, token)).status).toBe(200);
      front.redirectTo = elsewhere.url;
      // A kid the set does not hold makes Gatehouse refetch at once: redirected.
      const unknown = await session(
        running.url,
        signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: key.privateKey, kid: 'new' }),
      );
      expect(unknown.body.reason).toBe('key_not_found');
      expect(front.hits).toBe(hitsBefore + 2);
      expect(elsewhere.hits).toBe(0);
      expect((await session(running.url, token)).status).toBe(200);
      const health = await request(running.url).get('/health');
      expect(health.status).toBe(200);
      expect(health.body.keySet).toMatchObject({ keys: 1, lastError: 'fetch failed (HTTP 302 redirect, not followed)' });
    } finally {
      await running.app.close();
      front.redirectTo = undefined;
    }
  });
});

/** The most memory the process has held at once (Linux: VmHWM), in bytes. */
function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

describe.runIf(existsSync('/proc/self/status'))('JWKS: a huge chunked body is cut off while it streams', () => {
  const jwks = new JwksServer();
  let server: Started;
  beforeAll(async () => {
    await jwks.start();
    jwks.status = 500; // until the baseline is taken
    server = await startServer({ AUTH_MODE: 'secure', AUTH_JWT_JWKS_URL: jwks.url, LOG_FORMAT: 'json' }, undefined, '/health/live');
  });
  afterAll(async () => {
    await stopServer(server);
    await jwks.stop();
  });

  it('stops reading at 1 MiB: the memory stays flat and the provider is not asked again at once', async () => {
    await eventually(() => expect(jwks.hits).toBeGreaterThanOrEqual(1));
    const baseline = peakRss(server.child.pid!);
    // The next retry gets 400 MB of chunked data (no Content-Length to refuse up front).
    jwks.status = 200;
    jwks.streamBytes = 400 * 1024 * 1024;
    await eventually(() => expect(jwks.streamsEnded).toBe(1), 20_000);
    const grown = peakRss(server.child.pid!) - baseline;
    console.log(`400 MB body: ${(jwks.bytesStreamed / 1e6).toFixed(1)} MB taken by the client, peak RSS +${(grown / 1e6).toFixed(1)} MB`);
    // 1 MiB read, plus what socket buffers held when the client hung up.
    expect(jwks.bytesStreamed).toBeLessThan(16 * 1024 * 1024);
    expect(grown).toBeLessThan(50 * 1024 * 1024);

    const health = await request(server.url).get('/health');
    expect(health.status).toBe(503);
    expect(health.body.message).toBe('identity provider key set not loaded yet: fetch failed (answer larger than 1 MiB)');
    expect(server.output()).toMatch(/answered more than 1048576 bytes, which is not a key set; not ready until it loads; next try in 30 s/);

    // No refetch loop: neither the retry timer nor tokens naming unknown kids ask again soon.
    const hits = jwks.hits;
    const key = generateEd25519();
    for (let i = 0; i < 6; i++) {
      const res = await session(
        server.url,
        signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: key.privateKey, kid: `k${i}` }),
      );
      expect(res.status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(jwks.hits).toBe(hits);
  }, 40_000);
});

describe('JWKS: a token without kid is tried against at most 8 keys', () => {
  const jwks = new JwksServer();
  let running: RunningApp;
  let keys: TestKeyPair[];
  const outsider = generateEd25519();

  beforeAll(async () => {
    keys = Array.from({ length: 2_000 }, () => generateEd25519());
    await jwks.start();
    jwks.keys = keys.map((pair, i) => publicJwk(pair.publicKey, { kid: `k${i}` }));
    running = await startWithKeySet(jwks);
  });
  afterAll(async () => {
    await running.app.close();
    await jwks.stop();
  });

  it('tries the first 8 keys of the set, in set order, and no others', async () => {
    expect(
      (await session(running.url, signedToken({ sub: 'first', ...validFor() }, { alg: 'EdDSA', key: keys[0].privateKey }))).status,
    ).toBe(200);
    expect(
      (await session(running.url, signedToken({ sub: 'eighth', ...validFor() }, { alg: 'EdDSA', key: keys[7].privateKey }))).status,
    ).toBe(200);
    const ninth = await session(running.url, signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: keys[8].privateKey }));
    expect(ninth.status).toBe(401);
    expect(ninth.body.reason).toBe('signature_invalid');
    // With its kid the same key is found: the limit is only on guessing.
    expect(
      (await session(running.url, signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: keys[8].privateKey, kid: 'k8' })))
        .status,
    ).toBe(200);
  });

  it('costs about what a token with a kid costs', async () => {
    // Both fail their signature check, so neither is ever served from the verified-token cache.
    const kidless = signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: outsider.privateKey });
    const withKid = signedToken({ sub: 'alice', ...validFor() }, { alg: 'EdDSA', key: outsider.privateKey, kid: 'k1999' });
    const time = async (token: string, count: number) => {
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const res = await session(running.url, token);
        expect(res.body.reason).toBe('signature_invalid');
      }
      return performance.now() - started;
    };
    await time(kidless, 5); // warm up
    await time(withKid, 5);
    let kidlessMs = 0;
    let withKidMs = 0;
    for (let round = 0; round < 5; round++) {
      kidlessMs += await time(kidless, 20);
      withKidMs += await time(withKid, 20);
    }
    console.log(`100 tokens without kid: ${kidlessMs.toFixed(0)} ms; 100 with kid: ${withKidMs.toFixed(0)} ms`);
    expect(kidlessMs / withKidMs).toBeLessThan(3);
  }, 60_000);
});
