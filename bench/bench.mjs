// `npm run bench`: Gatehouse (dist/main.js, secure HS256) against references, each in a
// process of its own; the load comes from this process.
//   REST:   the bare NestJS + Fastify reference (bench/nest-reference.mjs); a library
//           host app on Express (bench/host-app.mjs) against bare NestJS + Express; in
//           that host app, @RequireScopes against no requirement, 100 issuers against one
//   WS:     the framework-free node:http + ws reference (bench/reference-server.mjs)
//   memory: the bare NestJS reference, and steps from it to Gatehouse
// Options: --sockets N (10000) --batches B (3) --rounds R (3) --duration S (2)
//          --warmup S (2) --connections C (50) --ws-rounds R (3) --memory-runs R (3)
//          --only rest|ws|memory --pin on|off (on)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { watchMachineLoad } from './machine-load.mjs';
import { HEAP_GROUPS } from './heap-summary.mjs';
import { memoryPhase } from './memory-phase.mjs';
import { int, met, micros, mib, ratio, table } from './report.mjs';
import { ISSUER_COUNT, restPhase } from './rest-phase.mjs';
import { GATEHOUSE_MAIN, pinProcesses } from './servers.mjs';
import { newSecret } from './tokens.mjs';
import { wsPhase } from './ws-phase.mjs';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '10000' },
    batches: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    'ws-rounds': { type: 'string', default: '3' },
    'memory-runs': { type: 'string', default: '3' },
    only: { type: 'string' }, // rest | ws | memory: one phase, for quicker iterations
    pin: { type: 'string', default: 'on' },
  },
});
const SOCKETS = Number(args.sockets);
const log = (line) => process.stderr.write(`${line}\n`);

ensureFileLimit(SOCKETS + 1024);
if (!existsSync(GATEHOUSE_MAIN)) {
  log(`${GATEHOUSE_MAIN} is missing: run "npm run build" first (npm run bench does)`);
  process.exit(1);
}

/**
 * Node cannot raise its own open-file limit: when the soft limit is too low for the
 * sockets asked for (this process holds one per socket, each server as many again),
 * re-run under a shell that raises it up to the hard limit, or stop with the fix.
 */
function ensureFileLimit(needed) {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const [, soft, hard] = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits) ?? [];
  const value = (v) => (v === 'unlimited' ? Infinity : Number(v));
  if (value(soft) >= needed) return;
  if (value(hard) < needed || process.env.GATEHOUSE_BENCH_RAISED) {
    log(
      `open-file limit too low: ${needed} needed for ${SOCKETS} sockets, soft ${soft}, hard ${hard}. Raise it (ulimit -n ${needed}, or a higher hard limit in /etc/security/limits.conf) or pass a smaller --sockets.`,
    );
    process.exit(1);
  }
  log(`raising the open-file limit from ${soft} to ${hard}`);
  const quoted = [process.execPath, ...process.argv.slice(1)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const run = spawnSync('sh', ['-c', `ulimit -n ${hard === 'unlimited' ? needed : hard} && exec ${quoted}`], {
    stdio: 'inherit',
    env: { ...process.env, GATEHOUSE_BENCH_RAISED: '1' },
  });
  process.exit(run.status ?? 1);
}

/** A failed phase shows what its servers printed: a crash or a refusal is explained there. */
async function withOutputOnFailure(servers, run) {
  try {
    return await run();
  } catch (error) {
    for (const server of servers) log(`--- ${server.name} (pid ${server.pid}) output:\n${server.output()}`);
    throw error;
  }
}

/** Runs a phase (unless --only names another) and notes how busy the rest of the machine was meanwhile. */
async function phase(name, run) {
  if (args.only !== undefined && args.only !== name) return undefined;
  const load = watchMachineLoad();
  const result = await run();
  return { ...result, load: load() };
}

const pinning = args.pin === 'off' ? 'not pinned' : pinProcesses();
const secret = newSecret();
const common = { secret, withOutputOnFailure };
const rest = await phase('rest', () =>
  restPhase({
    ...common,
    batches: Number(args.batches),
    rounds: Number(args.rounds),
    duration: Number(args.duration),
    warmup: Number(args.warmup),
    connections: Number(args.connections),
  }),
);
const ws = await phase('ws', () => wsPhase({ ...common, sockets: SOCKETS, rounds: Number(args['ws-rounds']) }));
const memory = await phase('memory', () => memoryPhase({ secret, runs: Number(args['memory-runs']) }));

const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
const busy = (result) =>
  `other processes used ${Math.round(result.load.others * 100)}% of the machine's CPU meanwhile (load average ${result.load.loadavg.join(' -> ')})`;
console.log(`\nGatehouse bench: ${cpus().length} CPUs (${cpuModel}), node ${process.version}, ${pinning}.`);

if (rest) {
  // key against ref, by rate and CPU per request (CPU inverted: higher is better for key).
  const row = (name, key, ref, against, target) => {
    const r = rest.ratio(key, ref);
    const serverBusy = `${Math.round(rest[key].busy * 100)}% / ${Math.round(rest[ref].busy * 100)}%`;
    return [
      name,
      against,
      int(rest[key].rate),
      int(rest[ref].rate),
      ratio(r.rate),
      micros(rest[key].cpu),
      micros(rest[ref].cpu),
      ratio(r.cpu),
      serverBusy,
      target === undefined ? '-' : `>= ${target.toFixed(2)}`,
      target === undefined ? '-' : `${met(r.cpu, target)} / ${met(r.rate, target)}`,
    ];
  };
  const floor = rest.ratio('nest', 'node');
  const guardFloor = rest.ratio('nestGuarded', 'nest');
  console.log(
    `\nREST: the Gatehouse server (Fastify) against bare NestJS + Fastify, and a library host app (GatehouseModule) on Express against bare NestJS + Express (each reference: one public route answering the same JSON with the same headers; every request the same, bearer token included); in that host app, a route with @RequireScopes('notes:read') against the same route without it, and the host app with ${ISSUER_COUNT} issuers against the one with one issuer (each sent a pool of ${ISSUER_COUNT} tokens it has seen before, in turn). ${args.batches} batches of fresh server processes x ${args.rounds} interleaved rounds x ${args.duration} s, ${args.connections} connections, medians; each ratio is the median of its per-round ratios, CPU inverted (1.00 is parity, higher is better for the row); server busy: its CPU time over the run's wall time (the row's / the one it is against; under 100%, the load generator or other processes held it back); ${busy(rest)}.\n`,
  );
  console.log(
    table(
      [
        'REST row',
        'against',
        'req/s',
        'against',
        'ratio',
        'µs CPU/req',
        'against',
        'CPU ratio',
        'server busy',
        'target',
        'met (CPU / rate)',
      ],
      [
        row('GET /health, public, defaults', 'health', 'nest', 'bare Nest, Fastify', 0.95),
        row('GET /api/session, guarded, defaults', 'session', 'nest', 'bare Nest, Fastify', 0.85),
        row('GET /api/session, guarded, metrics off', 'metricsOff', 'nest', 'bare Nest, Fastify', 0.9),
        row('Express host app: GET /api/public, @Public()', 'expressPublic', 'expressNest', 'bare Nest, Express'),
        row('Express host app: GET /api/session, guarded', 'expressSession', 'expressNest', 'bare Nest, Express'),
        row("Express host app: + @RequireScopes('notes:read')", 'expressScoped', 'expressSession', 'the same route without it', 0.97),
        row(`Express host app: ${ISSUER_COUNT} issuers`, 'issuers', 'oneIssuer', 'one issuer', 0.95),
      ],
    ),
  );
  console.log(
    [
      '',
      `Floors, in the same rounds: bare Nest with a global guard that only sets request.user and a createParamDecorator() parameter reading it (Nest's own part of any guarded route, no authentication): ${int(rest.nestGuarded.rate)} req/s at ${micros(rest.nestGuarded.cpu)} µs, ${ratio(guardFloor.rate)} of bare Nest by rate, ${ratio(guardFloor.cpu)} by CPU.`,
      `node:http doing the same check without a framework: ${int(rest.node.rate)} req/s at ${micros(rest.node.cpu)} µs; bare Nest is ${ratio(floor.rate)} of it by rate, ${ratio(floor.cpu)} by CPU.`,
    ].join('\n'),
  );
}

if (ws) {
  const step = (name, key, target) => {
    const { gatehouse: g, reference: r, rateRatio, cpuRatio } = ws[key];
    return [
      name,
      int(g.rate),
      int(r.rate),
      ratio(rateRatio),
      micros(g.cpu),
      micros(r.cpu),
      ratio(cpuRatio),
      target ? `>= ${target.toFixed(2)}` : '-',
      target ? `${met(cpuRatio, target)} / ${met(rateRatio, target)}` : '-',
    ];
  };
  console.log(
    `\nWebSocket, against the framework-free node:http + ws reference (the same checks): ${SOCKETS} sockets, each a new user with a new token; rates are medians of ${args['ws-rounds']} rounds, ratios medians of per-round ratios (CPU inverted); ${busy(ws)}.\n`,
  );
  console.log(
    table(
      ['step', 'per s', 'reference', 'ratio', 'µs CPU each', 'reference', 'CPU ratio', 'target', 'met (CPU / rate)'],
      [
        step('connect, Authorization header', 'connect', 0.9),
        step('connect, first-frame auth', 'firstFrame'),
        step('refresh: auth frame on a live socket', 'refresh'),
      ],
    ),
  );
  const { gatehouse: g, reference: r } = ws.memory;
  console.log('');
  console.log(
    table(
      ['idle authenticated sockets (round 1)', 'Gatehouse', 'reference', 'ratio', 'target', 'met'],
      [
        ['RSS per socket (bytes)', int(g.rss), int(r.rss), ratio(g.rss / r.rss), '<= 1.00', met(g.rss / r.rss, 1, true)],
        ['  of which V8 heap (bytes)', int(g.heap), int(r.heap), ratio(g.heap / r.heap), '-', '-'],
        ['sockets held at once', int(ws.held.gatehouse), int(ws.held.reference), '-', '10,000', met(ws.held.gatehouse, 10_000)],
      ],
    ),
  );
}

if (memory) {
  const [nest] = memory.variants;
  const delta = (v) => (v === nest ? '-' : `${v.rss >= nest.rss ? '+' : ''}${mib(v.rss - nest.rss)}`);
  console.log(
    `\nIdle memory of a freshly started server after a settled GC, MiB, medians of ${args['memory-runs']} starts; RSS = V8 young generation held + V8 old generation held + the rest (node itself, libraries, buffers, malloc); ${busy(memory)}.\n`,
  );
  console.log(
    table(
      ['server', 'RSS', 'vs bare Nest', 'V8 heap used', 'young gen. held', 'old gen. held', 'the rest'],
      memory.variants.map((v) => [v.label, mib(v.rss), delta(v), mib(v.heapUsed), mib(v.young), mib(v.old), mib(v.native)]),
    ),
  );
  const { nest: bare, defaults } = memory.heaps;
  if (bare && defaults) {
    console.log('\nWhat the V8 heaps hold (heap snapshots of the first start), MiB:\n');
    console.log(
      table(
        ['heap snapshot', 'bare Nest', 'Gatehouse, defaults', 'difference'],
        Object.entries(HEAP_GROUPS).map(([group, label]) => [
          label,
          mib(bare[group]),
          mib(defaults[group]),
          `+${mib(defaults[group] - bare[group])}`,
        ]),
      ),
    );
  }
}
