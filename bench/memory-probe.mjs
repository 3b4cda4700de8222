// Preloaded into every server the bench starts (node --expose-gc --import <this>):
// on the bench's "gc" message it collects garbage until the heap settles and answers
// with the process's resident memory, so every server is measured the same way; on
// {snapshot: path} it writes a heap snapshot there (for the idle-memory breakdown).
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function vmRssBytes() {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.memoryUsage().rss;
}

async function settle() {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    globalThis.gc();
    await pause(100);
    const heap = process.memoryUsage().heapUsed;
    if (Math.abs(last - heap) < 64 * 1024) break;
    last = heap;
  }
  const { heapUsed, external } = process.memoryUsage();
  // The pages V8 holds for its heap (used or not), by space: its share of the resident memory.
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.physical_space_size]));
  const heapCommitted = Object.values(spaces).reduce((sum, size) => sum + size, 0);
  return { rss: vmRssBytes(), heapUsed, heapCommitted, spaces, external };
}

if (process.send && typeof globalThis.gc === 'function') {
  process.on('message', (message) => {
    if (message === 'gc') void settle().then((report) => process.send({ type: 'memory', ...report }));
    else if (typeof message?.snapshot === 'string') process.send({ type: 'snapshot', path: writeHeapSnapshot(message.snapshot) });
  });
  // The IPC channel must not keep a server alive on its own, nor stop it exiting; and
  // when the bench goes away (it stopped, or crashed), its servers go too.
  process.channel?.unref();
  process.on('disconnect', () => process.exit(0));
}
