// `npm run bench`: Gatehouse (dist/main.js, secure HS256) against references, each in a
// process of its own; the load comes from this process.
//   REST:   the bare NestJS + Fastify reference (bench/nest-reference.mjs)
//   WS:     the framework-free node:http + ws reference (bench/reference-server.mjs)
//   memory: the bare NestJS reference, and steps from it to Gatehouse
// Options: --sockets N (10000) --rounds R (5) --duration S (3) --warmup S (2)
//          --connections C (50) --ws-rounds R (3) --memory-runs R (3)
//          --only rest|ws|memory --pin on|off (on)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { watchMachineLoad } from './machine-load.mjs';
import { HEAP_GROUPS } from './heap-summary.mjs';
import { memoryPhase } from './memory-phase.mjs';
import { table } from './report.mjs';
import { restPhase } from './rest-phase.mjs';
import { GATEHOUSE_MAIN, pinProcesses } from './servers.mjs';
import { newSecret } from './tokens.mjs';
import { wsPhase } from './ws-phase.mjs';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '3' },
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
    log(`open-file limit too low: ${needed} needed for ${SOCKETS} sockets, soft ${soft}, hard ${hard}. Raise it (ulimit -n ${needed}, or a higher hard limit in /etc/security/limits.conf) or pass a smaller --sockets.`);
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
  restPhase({ ...common, rounds: Number(args.rounds), duration: Number(args.duration), warmup: Number(args.warmup), connections: Number(args.connections) }),
);
const ws = await phase('ws', () => wsPhase({ ...common, sockets: SOCKETS, rounds: Number(args['ws-rounds']) }));
const memory = await phase('memory', () => memoryPhase({ secret, runs: Number(args['memory-runs']) }));

const cpuModel = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
const busy = (result) => `other processes used ${Math.round(result.load.others * 100)}% of the machine (load average ${result.load.loadavg.join(' -> ')})`;
console.log(`\nGatehouse bench: ${cpus().length} CPUs (${cpuModel}), node ${process.version}, ${pinning}.`);

if (rest) {
  const ratioRows = (name, key, target) => {
    const ratio = rest.ratio(key, 'nest');
    return [
      { name: `${name} (req/s)`, gatehouse: rest[key].rate, reference: rest.nest.rate, ratioName: 'Gatehouse/bare Nest', ratio: ratio.rate, target: `>= ${target.toFixed(2)}`, met: ratio.rate >= target },
      { name: '  server CPU per request (µs)', gatehouse: rest[key].cpu, reference: rest.nest.cpu, ratioName: 'bare Nest/Gatehouse', ratio: ratio.cpu },
    ];
  };
  const floor = rest.ratio('nest', 'node');
  console.log(`\nREST: against the bare NestJS + Fastify reference (one public route, the same JSON and headers). Median of ${args.rounds} interleaved rounds x ${args.duration} s, ${args.connections} connections; ratios are medians of per-round ratios; ${busy(rest)}.\n`);
  console.log(
    table(
      [
        ...ratioRows('GET /health, public, defaults', 'health', 0.95),
        ...ratioRows('GET /api/session, guarded, defaults', 'session', 0.85),
        ...ratioRows('GET /api/session, guarded, metrics off', 'metricsOff', 0.9),
      ],
      { reference: 'bare Nest' },
    ),
  );
  const int = (n) => Math.round(n).toLocaleString('en-US');
  console.log(
    `\nFramework floor: bare Nest ${int(rest.nest.rate)} req/s at ${rest.nest.cpu.toFixed(1)} µs CPU per request; node:http doing the same check without a framework ${int(rest.node.rate)} req/s at ${rest.node.cpu.toFixed(1)} µs (bare Nest/node:http: rate ${floor.rate.toFixed(2)}, CPU ${(1 / floor.cpu).toFixed(2)}x).`,
  );
}

if (ws) {
  const step = (name, unit, key, target) => [
    { name: `${name} (${unit}/s)`, gatehouse: ws[key].gatehouse.rate, reference: ws[key].reference.rate, ratioName: 'Gatehouse/reference', ratio: ws[key].rateRatio, target: target && `>= ${target.toFixed(2)}`, met: target && ws[key].rateRatio >= target },
    { name: '  server CPU per step (µs)', gatehouse: ws[key].gatehouse.cpu, reference: ws[key].reference.cpu, ratioName: 'reference/Gatehouse', ratio: ws[key].cpuRatio },
  ];
  const memoryRatio = ws.memory.gatehouse.rss / ws.memory.reference.rss;
  console.log(`\nWebSocket: against the framework-free node:http + ws reference (the same checks). ${SOCKETS} sockets, each a new user with a new token; rates are medians of ${args['ws-rounds']} rounds, memory from round 1; ${busy(ws)}.\n`);
  console.log(
    table(
      [
        ...step('connect, Authorization header', 'sockets', 'connect', 0.9),
        ...step('connect, first-frame auth', 'sockets', 'firstFrame'),
        ...step('refresh: auth frames on live sockets', 'frames', 'refresh'),
        { name: 'RSS per idle authenticated socket (bytes)', gatehouse: ws.memory.gatehouse.rss, reference: ws.memory.reference.rss, ratioName: 'Gatehouse/reference', ratio: memoryRatio, target: '<= 1.00', met: memoryRatio <= 1 },
        { name: '  of which V8 heap (bytes)', gatehouse: ws.memory.gatehouse.heap, reference: ws.memory.reference.heap, ratioName: 'Gatehouse/reference', ratio: ws.memory.gatehouse.heap / ws.memory.reference.heap },
        { name: 'authenticated sockets held at once', gatehouse: ws.held.gatehouse, reference: ws.held.reference, target: '10,000', met: ws.held.gatehouse >= 10_000 },
      ],
      { reference: 'ws reference' },
    ),
  );
}

if (memory) {
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  const [nest] = memory.variants;
  console.log(`\nIdle memory of a freshly started server, after a settled GC, in MiB: medians of ${args['memory-runs']} starts; ${busy(memory)}.\n`);
  console.log('RSS = V8 young generation held + V8 old generation held + the rest (node, libraries, buffers, malloc).\n');
  console.log('| server | RSS | vs bare Nest | V8 heap used | young gen. held | old gen. held | the rest |');
  console.log('|:--|--:|--:|--:|--:|--:|--:|');
  for (const v of memory.variants) {
    const delta = v === nest ? '-' : `${v.rss >= nest.rss ? '+' : ''}${mib(v.rss - nest.rss)}`;
    console.log(`| ${v.label} | ${mib(v.rss)} | ${delta} | ${mib(v.heapUsed)} | ${mib(v.young)} | ${mib(v.old)} | ${mib(v.native)} |`);
  }
  const { nest: bare, defaults } = memory.heaps;
  if (bare && defaults) {
    console.log('\nWhat the V8 heaps hold (heap snapshots of the first start), in MiB:\n');
    console.log('| heap snapshot | bare Nest | Gatehouse, defaults | difference |');
    console.log('|:--|--:|--:|--:|');
    for (const [group, label] of Object.entries(HEAP_GROUPS)) {
      console.log(`| ${label} | ${mib(bare[group])} | ${mib(defaults[group])} | +${mib(defaults[group] - bare[group])} |`);
    }
  }
}
