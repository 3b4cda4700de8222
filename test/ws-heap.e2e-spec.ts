import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startApp, type RunningApp } from './support/app.js';
import { now, unsignedToken } from './support/tokens.js';
import { connect } from './support/ws-client.js';

// 10,000 connect / authenticate / close cycles must leave the heap flat: every
// per-socket timer, listener and handler is released on close.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

describe('WebSocket heap over many connections', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ AUTH_MODE: 'insecure' });
  });
  afterAll(() => running.app.close());

  async function cycles(total: number, batch = 100): Promise<void> {
    for (let done = 0; done < total; done += batch) {
      await Promise.all(
        Array.from({ length: batch }, async (_, i) => {
          // Tokens with exp, so both session timers are armed and must be cleared.
          const token = unsignedToken({ sub: `u${i}`, exp: now() + 3600 });
          const client = i % 2 === 0 ? await connect(running.port, token) : await connect(running.port);
          if (i % 2 === 1) client.auth(token);
          await client.next();
          await client.close();
        }),
      );
    }
  }

  it('stays flat over 10,000 cycles', async () => {
    await cycles(1000); // warm up: JIT, pools, caches
    const before = await settledHeap();
    const started = Date.now();
    await cycles(10_000);
    const elapsed = Date.now() - started;
    const after = await settledHeap();
    const growth = after - before;
    console.log(
      `10,000 cycles in ${elapsed} ms; heap ${(before / 1e6).toFixed(1)} MB -> ${(after / 1e6).toFixed(1)} MB (${(growth / 1e3).toFixed(0)} kB)`,
    );
    // A leak of even 300 bytes per socket would show as 3 MB.
    expect(growth).toBeLessThan(3_000_000);
  }, 180_000);
});
