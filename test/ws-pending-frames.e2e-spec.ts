import { JwksServer, publicJwk } from './support/jwks-server.js';
import { signedToken, validFor } from './support/tokens.js';
import { mb, peakRssOf, resetPeakRss, rssOf } from './support/process-stats.js';
import { startServer, stopServer, type Started } from './support/server-process.js';
import { generateEc } from './support/tokens.js';
import { connect, type WsClient } from './support/ws-client.js';

// WS_MAX_PENDING_FRAMES (docs/protocol.md §10, docs/limits.md), against `node dist/main.js`
// with the default of 32. The attack: an unauthenticated socket sends an `auth` frame
// whose check is slow (a token with a kid the key set lacks makes the server refetch
// the set, and this identity provider takes 8 s to answer), then floods frames, which
// must wait for the auth frame's outcome. Before the limit they reached 316 MB.

const LIMIT = 32;
/** How long the identity provider takes to answer the refetch. */
const DELAY_MS = 8_000;
/** Frames as large as the server is configured to take (WS_MAX_PAYLOAD_BYTES). */
const FRAME_BYTES = 200_000;
const PENDING_MESSAGE = 'Too many frames sent before authentication completed';

describe('WS_MAX_PENDING_FRAMES (default 32): frames behind a slow auth frame', () => {
  const known = generateEc('P-256');
  const unknown = generateEc('P-256');
  const jwks = new JwksServer();
  let server: Started;
  let slowToken: string;

  beforeAll(async () => {
    await jwks.start();
    slowToken = signedToken({ sub: 'alice', ...validFor() }, { alg: 'ES256', key: unknown.privateKey, kid: 'not-yet-published' });
  });
  afterAll(() => jwks.stop());

  // A server per test: after one refetch for an unknown kid, the next waits 30 s.
  beforeEach(async () => {
    jwks.delayMs = 0;
    jwks.keys = [publicJwk(known.publicKey, { kid: 'k1', alg: 'ES256' })];
    server = await startServer({
      AUTH_MODE: 'secure',
      AUTH_JWT_JWKS_URL: jwks.url,
      AUTH_JWT_ALG: 'ES256',
      AUTH_FAIL_LIMIT: '0',
      WS_MAX_PAYLOAD_BYTES: String(FRAME_BYTES + 1024),
    });
    jwks.delayMs = DELAY_MS;
  });
  afterEach(() => stopServer(server));

  let sentAuthAt = 0;

  /** A socket whose auth frame is being checked (the key set refetch has started). */
  async function authenticating(): Promise<WsClient> {
    const hits = jwks.hits;
    const client = await connect(server.port);
    client.auth(slowToken);
    sentAuthAt = Date.now();
    await expect.poll(() => jwks.hits).toBe(hits + 1);
    return client;
  }

  /** The socket closed while its auth frame was still waiting for the key set. */
  const beforeKeySetAnswered = () => expect(Date.now() - sentAuthAt).toBeLessThan(DELAY_MS / 2);

  it('32 frames wait; the 33rd closes the socket 1008 bad_message, long before the key set answers', async () => {
    const client = await authenticating();
    for (let i = 0; i < LIMIT; i++) client.send({ event: 'whoami' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.frames).toEqual([]); // nothing answered: they wait
    client.send({ event: 'whoami' });
    expect(await client.next(2_000)).toEqual({ event: 'error', data: { reason: 'bad_message', message: PENDING_MESSAGE } });
    expect(await client.closed).toEqual({ code: 1008, reason: 'bad_message' });
    beforeKeySetAnswered();
  });

  it('a flood of 200 kB frames behind the auth frame: the server holds 32 of them, not the flood', async () => {
    const pid = server.child.pid!;
    const before = rssOf(pid);
    resetPeakRss(pid);
    const client = await authenticating();
    const frame = JSON.stringify({ event: 'note', data: 'x'.repeat(FRAME_BYTES - 30) });
    const FLOOD = 1_500; // 300 MB
    // As fast as the server reads them (a few MB in flight), until it closes the socket.
    for (let sent = 0; sent < FLOOD && client.ws.readyState === client.ws.OPEN;) {
      if (client.ws.bufferedAmount > 4 * 1048576) await new Promise((resolve) => setTimeout(resolve, 2));
      else {
        client.send(frame);
        sent++;
      }
    }
    expect(await client.closed).toEqual({ code: 1008, reason: 'bad_message' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const peak = peakRssOf(pid);
    console.log(`pending-frame flood: RSS ${mb(before)} -> peak ${mb(peak)} (+${mb(peak - before)})`);
    beforeKeySetAnswered();
    // 32 frames of 200 kB are 6.4 MB; the rest is the garbage of reading frames that are
    // dropped, which a loaded machine collects late. Unbounded, the flood would be 300 MB.
    expect(peak - before).toBeLessThan(96 * 1048576);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }, 30_000);
});
