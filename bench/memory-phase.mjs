// Idle memory: the resident memory (VmRSS, after a settled GC) of a freshly started
// server, Gatehouse (secure mode, defaults) next to the bare NestJS reference, and the
// steps between them, each a fresh process: the bare app with Gatehouse's code loaded
// but unused (the library alone, then the whole server), then Gatehouse with API docs
// and metrics off, with each on alone, and with both (the defaults). A heap snapshot
// of the first and the last says what their V8 heaps hold.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { summariseSnapshot } from './heap-summary.mjs';
import { median } from './report.mjs';
import { GATEHOUSE_MAIN, startGatehouse, startNestReference } from './servers.mjs';
import { secureEnv, sessionOf, userToken } from './tokens.mjs';

const log = (line) => process.stderr.write(`${line}\n`);

export async function memoryPhase({ secret, runs }) {
  const secure = secureEnv(secret);
  const session = sessionOf(userToken('bench-user', secret));
  const dist = resolve(GATEHOUSE_MAIN, '..');
  const variants = [
    { key: 'nest', label: 'bare NestJS + Fastify (the reference)', start: () => startNestReference(session) },
    // The library: its modules and what they import (prom-client, helmet, ws, passport...).
    { key: 'library', label: "bare NestJS + Gatehouse's library code loaded, unused", start: () => startNestReference(session, { PRELOAD: join(dist, 'index.js') }) },
    // Everything the server imports besides: nestjs-pino, pino, @nestjs/swagger, terminus.
    { key: 'code', label: "bare NestJS + all of the server's code loaded, unused", start: () => startNestReference(session, { PRELOAD: join(dist, 'server/create-app.js') }) },
    { key: 'lean', label: 'Gatehouse, API docs and metrics off', start: () => startGatehouse('gatehouse', { ...secure, API_DOCS_ENABLED: 'false', METRICS_ENABLED: 'false' }) },
    { key: 'metrics', label: 'Gatehouse, metrics on, API docs off', start: () => startGatehouse('gatehouse', { ...secure, API_DOCS_ENABLED: 'false' }) },
    { key: 'docs', label: 'Gatehouse, API docs on, metrics off', start: () => startGatehouse('gatehouse', { ...secure, METRICS_ENABLED: 'false' }) },
    { key: 'defaults', label: 'Gatehouse, defaults (API docs and metrics on)', start: () => startGatehouse('gatehouse', secure) },
  ];
  const samples = Object.fromEntries(variants.map((v) => [v.key, []]));
  const heaps = {};
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-heap-'));
  try {
    for (let run = 0; run < runs; run++) {
      for (const variant of variants) {
        const server = await variant.start();
        try {
          samples[variant.key].push(await server.settledRss());
          if (run === 0 && (variant.key === 'nest' || variant.key === 'defaults')) {
            const { path } = await server.heapSnapshot(join(dir, `${variant.key}.heapsnapshot`));
            heaps[variant.key] = summariseSnapshot(path);
            rmSync(path);
          }
        } finally {
          await server.stop();
        }
      }
      log(`idle memory run ${run + 1}/${runs}: ${variants.map((v) => `${v.key} ${(samples[v.key].at(-1).rss / 2 ** 20).toFixed(1)} MiB`).join(', ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const of = (list, field) => median(list.map((sample) => sample[field]));
  return {
    variants: variants.map(({ key, label }) => ({
      key,
      label,
      rss: of(samples[key], 'rss'),
      heapUsed: of(samples[key], 'heapUsed'),
      young: median(samples[key].map((sample) => sample.spaces.new_space)),
      // The rest of the heap: old objects, code, large objects.
      old: median(samples[key].map((sample) => sample.heapCommitted - sample.spaces.new_space)),
      native: median(samples[key].map((sample) => sample.rss - sample.heapCommitted)),
    })),
    heaps,
  };
}
