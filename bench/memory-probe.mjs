// Preloaded into every server the bench starts (node --expose-gc --import <this>):
// on the bench's "gc" message it collects garbage until the heap settles and answers
// with the process's resident memory, so both servers are measured the same way.
import { readFileSync } from 'node:fs';

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
  return { rss: vmRssBytes(), heapUsed: process.memoryUsage().heapUsed };
}

if (process.send && typeof globalThis.gc === 'function') {
  process.on('message', (message) => {
    if (message === 'gc') void settle().then((report) => process.send({ type: 'memory', ...report }));
  });
  // The IPC channel must not keep a server alive on its own, nor stop it exiting.
  process.channel?.unref();
}
