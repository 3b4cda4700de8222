import { WebSocket } from 'ws';
import { startServer, type Started } from './support/server-process.js';
import { tokenOfTexts } from './support/tokens.js';

// Contract section 10, "Linear-time parsing", against `node dist/main.js`: input a
// client controls before it is authenticated (the Authorization header, the upgrade
// URL) costs about what a short one costs. Each check compares the median time of the
// long input with that of a short one of the same kind, measured in the same run.

/** Just under Node's 16 KiB limit for the request head. */
const LONG = 15_000;
/** Spaces and tabs inside the value: what made the old bearer regex quadratic. */
const blanks = ' \t'.repeat(LONG / 2);
const ROUNDS = 15;
const MAX_RATIO = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Median times of `short` and `long`, interleaved so that load on the machine hits both alike. */
async function compare(short: () => Promise<unknown>, long: () => Promise<unknown>) {
  await short(); // warm up both paths
  await long();
  const shortTimes: number[] = [];
  const longTimes: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    shortTimes.push(await timed(short));
    longTimes.push(await timed(long));
  }
  // Half a millisecond of floor: a short request on loopback can be faster than the
  // timer's jitter, and a ratio against ~0 would measure noise.
  const base = Math.max(median(shortTimes), 0.5);
  return { short: median(shortTimes), long: median(longTimes), ratio: median(longTimes) / base };
}

/** Resolves with the HTTP status of a refused upgrade (or 101 when it opens). */
function upgradeStatus(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('linear-time parsing of client input', () => {
  let server: Started;
  beforeAll(async () => {
    server = await startServer({ AUTH_MODE: 'insecure', AUTH_FAIL_LIMIT: '0' });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  const session = async (authorization: string) => {
    const res = await fetch(`${server.url}/api/session`, { headers: { authorization } });
    await res.arrayBuffer();
    return res.status;
  };

  it('REST: a 15 KB Authorization header of spaces and tabs costs about what a short one does', async () => {
    const shortHeader = 'Bearer a b';
    const longHeader = `Bearer a${blanks}b`;
    expect(await session(shortHeader)).toBe(401);
    expect(await session(longHeader)).toBe(401);
    const { short, long, ratio } = await compare(
      () => session(shortHeader),
      () => session(longHeader),
    );
    expect(ratio, `short ${short.toFixed(2)} ms, long ${long.toFixed(2)} ms`).toBeLessThan(MAX_RATIO);
  });

  it('REST: the long header still means what it says (surrounding blanks trimmed)', async () => {
    const token = tokenOfTexts('{"alg":"none"}', '{"sub":"alice"}', '');
    expect(await session(`${blanks}bearer${blanks}${token}${blanks}`)).toBe(200);
    expect(await session(`Bearer${blanks}`)).toBe(401);
  });

  it('WebSocket upgrade: the same header costs about what a short one does', async () => {
    const shortHeader = { authorization: 'Bearer a b' };
    const longHeader = { authorization: `Bearer a${blanks}b` };
    expect(await upgradeStatus(server.port, '/ws', shortHeader)).toBe(401);
    expect(await upgradeStatus(server.port, '/ws', longHeader)).toBe(401);
    const { short, long, ratio } = await compare(
      () => upgradeStatus(server.port, '/ws', shortHeader),
      () => upgradeStatus(server.port, '/ws', longHeader),
    );
    expect(ratio, `short ${short.toFixed(2)} ms, long ${long.toFixed(2)} ms`).toBeLessThan(MAX_RATIO);
  });

  it('WebSocket upgrade: a 15 KB path of slashes costs about what a short wrong path does', async () => {
    const longPath = `/${'/'.repeat(LONG)}x`;
    expect(await upgradeStatus(server.port, '/x')).toBe(404);
    expect(await upgradeStatus(server.port, longPath)).toBe(404);
    const { short, long, ratio } = await compare(
      () => upgradeStatus(server.port, '/x'),
      () => upgradeStatus(server.port, longPath),
    );
    expect(ratio, `short ${short.toFixed(2)} ms, long ${long.toFixed(2)} ms`).toBeLessThan(MAX_RATIO);
    // Trailing slashes are still forgiven.
    expect(await upgradeStatus(server.port, '/ws//')).toBe(101);
  });
});
