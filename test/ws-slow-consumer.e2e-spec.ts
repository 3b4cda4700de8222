import { latencies, mb, median, peakRssOf, resetPeakRss, rssOf, timedGet } from './support/process-stats.js';
import { startServer, stopServer, type Started } from './support/server-process.js';
import { now, unsignedToken } from './support/tokens.js';
import { connect, type Closed } from './support/ws-client.js';

// WS_MAX_BUFFERED_BYTES (docs/protocol.md §10, docs/limits.md), against `node dist/main.js`
// with the default of 1 MiB. The attack: an authenticated socket that never reads its
// replies while it sends `whoami` frames, each answered with its session (here a 40 kB
// claim). Before the limit the server grew from 129 MB to 840 MB and /health took 1.4 s.

const CLAIM_BYTES = 40_000;
const FRAMES = 2_000; // 80 MB of replies per round if nothing stopped them
const ATTACKERS = 4;
const BOUND = 1_048_576; // the default WS_MAX_BUFFERED_BYTES

describe('WS_MAX_BUFFERED_BYTES (default 1 MiB): a socket that does not read', () => {
  let server: Started;
  const token = unsignedToken({ sub: 'mallory', exp: now() + 3600, blob: 'x'.repeat(CLAIM_BYTES) });

  beforeAll(async () => {
    // Tokens and frames large enough for the claim, and frames as fast as it likes: the
    // buffer limit, not their size or the frame rate, decides.
    server = await startServer({
      AUTH_MODE: 'insecure',
      AUTH_FAIL_LIMIT: '0',
      AUTH_MAX_TOKEN_BYTES: '65536',
      WS_MAX_FRAMES_PER_SECOND: '100000',
    });
  });
  afterAll(() => stopServer(server));

  /** One slow reader: asks for FRAMES replies without reading, then reads what came and how it ended. */
  async function slowReader(): Promise<Closed & { replies: number }> {
    const client = await connect(server.port);
    client.auth(token); // too large for a header
    expect((await client.next()).event).toBe('session');
    client.ws.pause(); // stop reading: the server's answers pile up
    for (let i = 0; i < FRAMES; i++) client.send({ event: 'whoami' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    client.ws.resume();
    const closed = await Promise.race([
      client.closed,
      new Promise<Closed>((resolve) => setTimeout(() => resolve({ code: 0, reason: 'still open after 10 s' }), 10_000)),
    ]);
    client.ws.terminate();
    return { ...closed, replies: client.frames.length - 1 };
  }

  it('is closed 1008 slow_consumer; memory stays bounded; another client hardly notices', async () => {
    const pid = server.child.pid!;
    const health = `${server.url}/health`;
    await latencies(health, 50); // warm up
    const idle = median(await latencies(health, 100));
    const before = rssOf(pid);
    resetPeakRss(pid);

    let attacking = true;
    const underAttack: number[] = [];
    const probe = (async () => {
      while (attacking) underAttack.push((await timedGet(health)).ms);
    })();
    const rounds = await Promise.all(Array.from({ length: ATTACKERS }, async () => [await slowReader(), await slowReader()]));
    attacking = false;
    await probe;

    const peak = peakRssOf(pid);
    underAttack.sort((a, b) => a - b);
    const busy = median(underAttack);
    console.log(
      `slow readers: RSS ${mb(before)} -> peak ${mb(peak)} (+${mb(peak - before)}); ` +
        `/health median ${idle.toFixed(2)} ms idle, ${busy.toFixed(2)} ms under attack (${underAttack.length} probes)`,
    );
    for (const closed of rounds.flat()) {
      expect(closed).toMatchObject({ code: 1008, reason: 'slow_consumer' });
      // What reached the client: at most the bound, plus what the kernel's socket buffers held.
      expect(closed.replies).toBeLessThan(FRAMES / 4);
    }
    // 8 rounds asked for 640 MB of replies; what the server held stays near the bound per socket.
    expect(peak - before).toBeLessThan(ATTACKERS * BOUND + 64 * 1048576);
    expect(busy).toBeLessThan(5 * Math.max(idle, 0.5));
    // The server answers as before.
    expect((await timedGet(health)).status).toBe(200);
  }, 60_000);
});
