// A CPU profile (node --cpu-prof) of one server under load, summarised:
//   node bench/profile.mjs                      # Gatehouse, GET /api/session (defaults)
//   node bench/profile.mjs --target nest        # the bare NestJS reference
//   node bench/profile.mjs --target health      # Gatehouse, GET /health
//   node bench/profile.mjs --target ws          # Gatehouse, WebSocket connects (header auth, new tokens)
// Options: --duration S (10) under load after --warmup S (3), --connections C (50),
// --top N (25) rows, --env NAME=VALUE (repeatable) for Gatehouse, --keep DIR to keep
// the .cpuprofile (open it in Chrome DevTools or speedscope), --pin on|off (on: the
// server on one CPU, the load generator on another, as in npm run bench).
// Prints the functions with the most self time, the most inclusive time, and self
// time by package (node_modules/<name>, Gatehouse's dist/lib/<area>, node internals).
import { mkdtempSync, readdirSync, readFileSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureRest } from './rest-load.mjs';
import { pinProcesses, startGatehouse, startNestReference } from './servers.mjs';
import { newSecret, secureEnv, sessionOf, userToken } from './tokens.mjs';
import { closeSockets, openSockets } from './ws-load.mjs';

const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'session' }, // session | health | nest | ws
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '25' },
    env: { type: 'string', multiple: true, default: [] },
    keep: { type: 'string' },
    pin: { type: 'string', default: 'on' },
  },
});
if (args.pin !== 'off') pinProcesses();

const secret = newSecret();
const token = userToken('bench-user', secret);
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-profile-'));
const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
const extraEnv = Object.fromEntries(args.env.map((pair) => pair.split(/=(.*)/s, 2)));

const server =
  args.target === 'nest'
    ? await startNestReference(sessionOf(token), {}, { nodeArgs })
    : await startGatehouse('gatehouse', secureEnv(secret, { ...extraEnv }), { nodeArgs });
const connections = Number(args.connections);
let measured; // the measured run, in ms of this process's clock, and what it served
let stopped;
try {
  measured = args.target === 'ws' ? await wsConnects() : await restRun();
} finally {
  await server.stop(); // the profile is written as the process exits
  stopped = performance.now();
}

/** autocannon on GET /api/session (or /health) for the warm-up, then for the duration. */
async function restRun() {
  const path = args.target === 'health' ? '/health' : '/api/session';
  const target = { label: `${args.target} ${path}`, pid: server.pid, url: `${server.url}${path}`, headers: { authorization: `Bearer ${token}` } };
  await measureRest(target, { connections, duration: Number(args.warmup) });
  const started = performance.now();
  const run = await measureRest(target, { connections, duration: Number(args.duration) });
  process.stderr.write(`${target.label}: ${Math.round(run.rate)} req/s, ${run.cpuPerRequest.toFixed(1)} µs CPU per request\n`);
  return { from: started, to: performance.now(), count: run.requests };
}

/** Batches of 1000 sockets, each a new user, opened (header auth) and closed, for the warm-up, then for the duration. */
async function wsConnects() {
  const url = `ws://127.0.0.1:${server.port}/ws`;
  let batch = 0;
  const until = async (seconds) => {
    let count = 0;
    for (const end = performance.now() + seconds * 1000; performance.now() < end; count += 1000) {
      const tokens = Array.from({ length: 1000 }, (_, i) => userToken(`ws${batch}-${i}`, secret));
      batch += 1;
      await closeSockets((await openSockets(url, tokens)).sockets);
    }
    return count;
  };
  await until(Number(args.warmup));
  const started = performance.now();
  const count = await until(Number(args.duration));
  const to = performance.now();
  process.stderr.write(`ws: ${Math.round(count / ((to - started) / 1000))} sockets/s opened and closed\n`);
  return { from: started, to, count };
}

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error(`no profile written in ${dir}`);
if (args.keep) cpSync(join(dir, file), join(args.keep, file));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
// Startup and warm-up are left out: the profile ends as the server exits, so the
// measured run is the stretch that ended (stopped - measured[1]) ms before that.
const window = [measured.from, measured.to].map((t) => profile.endTime - (stopped - t) * 1000);
console.log(summarise(profile, Number(args.top), window, measured.count));
rmSync(dir, { recursive: true, force: true });

/** Where a frame's code lives: a package, a Gatehouse area, or node itself. */
function areaOf(url) {
  if (url === '') return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/dist\/(lib\/[^/]+|server|[^/]+)/.exec(url);
  if (own) return `gatehouse ${own[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\/.*\//, '');
}

function frameName({ functionName, url, lineNumber }) {
  const file = url.replace(/^file:\/\/.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

function summarise(profile, top, [from, to], requests) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  let time = profile.startTime;
  profile.samples.forEach((id, i) => {
    time += profile.timeDeltas[i] ?? 0;
    if (time >= from && time <= to) selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const idle = new Set(['(idle)', '(program)', '(garbage collector)']);

  const self = new Map();
  const areas = new Map();
  const inclusive = new Map();
  const add = (map, key, value) => map.set(key, (map.get(key) ?? 0) + value);
  // Walk the tree: inclusive time counts a function once per stack, however deep it recurses.
  const walk = (node, onStack) => {
    const name = frameName(node.callFrame);
    const own = selfMicros.get(node.id) ?? 0;
    add(self, name, own);
    add(areas, idle.has(node.callFrame.functionName) ? node.callFrame.functionName : areaOf(node.callFrame.url), own);
    let sum = own;
    const fresh = !onStack.has(name);
    if (fresh) onStack.add(name);
    for (const child of node.children ?? []) sum += walk(byId.get(child), onStack);
    if (fresh) {
      onStack.delete(name);
      add(inclusive, name, sum);
    }
    return sum;
  };
  walk(profile.nodes[0], new Set());

  const pct = (micros) => `${((100 * micros) / total).toFixed(1).padStart(5)}% ${(micros / requests).toFixed(2).padStart(6)} µs each`;
  const list = (map, n, skip = () => false) =>
    [...map]
      .filter(([name]) => !skip(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => `${pct(micros)}  ${name}`)
      .join('\n');
  const structural = (name) => /^\((root|program|idle)\)/.test(name) || name.startsWith('processTicksAndRejections') || name.startsWith('emit ');
  return [
    `${(total / 1e6).toFixed(1)} s sampled under load (startup and warm-up left out), ${requests} requests or sockets; "µs each" is per request or socket.`,
    'Sampled wall-clock time: on a busy machine, time the process waits inside a system call (writev) is counted there.',
    '',
    'Self time by package:',
    list(areas, 30),
    '',
    `Top ${top} functions by self time:`,
    list(self, top),
    '',
    `Top ${top} functions by inclusive time:`,
    list(inclusive, top, structural),
  ].join('\n');
}
