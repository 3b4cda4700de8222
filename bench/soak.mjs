// `npm run soak` (not part of `npm test`): Gatehouse (dist/main.js, secure HS256,
// TRUST_PROXY=true) under every abuse of docs/limits.md at once, while another client
// measures its own latency. Load comes from two child processes (bench/soak-sockets.mjs,
// bench/soak-http.mjs), the measuring client from a third (bench/latency-probe.mjs), so
// that none of them times its own work.
//
//   1. idle: the measuring client alone (its p99 is the reference);
//   2. warm-up: the full load for --warmup s (120), then quiet; heap after GC = "start"
//      (what fills under load and is bounded, the 10,000 verified tokens and the failure
//      table, is full by then: the load makes about 120 new tokens a second);
//   3. soak: the full load for --seconds s (60), the client measuring;
//   4. quiet again: heap after GC = "end".
//
// Passes when the client's p99 under load < 5x idle, no answer was a 5xx (nor a close
// 1011), the server never exited, and the end heap is within 10% of the start heap.
// Heap after GC: the server runs with --expose-gc and bench/memory-probe.mjs, which on an
// IPC message collects until the heap settles and reports heapUsed.
//
// Options: --seconds 60 --warmup 120 --idle 10 --sockets 2000 --slow 200 --no-pin
//          --flood 300 (bad tokens a second) --rest 150 (valid requests a second)
//          --addresses 30000 (flood addresses, over AUTH_FAIL_MAX_ADDRESSES)
import { execFileSync, fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startProbe } from './latency-probe.mjs';
import { cpuMicros } from './process-cpu.mjs';
import { startGatehouse } from './servers.mjs';
import { newSecret, secureEnv, userToken } from './tokens.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '120' },
    idle: { type: 'string', default: '10' },
    sockets: { type: 'string', default: '2000' },
    slow: { type: 'string', default: '200' },
    flood: { type: 'string', default: '300' },
    rest: { type: 'string', default: '150' },
    addresses: { type: 'string', default: '30000' },
    pin: { type: 'boolean', default: true },
  },
});
const n = (name) => Number(args[name]);
const log = (line) => process.stdout.write(`${line}\n`);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** The server's event-loop delay since the last scrape (prom-client resets it each time), in ms. */
async function eventLoopDelay(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1]) * 1000;
  return { p99: read('nodejs_eventloop_lag_p99_seconds'), max: read('nodejs_eventloop_lag_max_seconds') };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * --pin (default, with 2 cores or more and taskset): the server and the measuring client on
 * the last CPU (as the bench pins its servers), the load generators on the others, so the
 * load's own work does not take the server's CPU (other programs still may).
 */
const pinning = args.pin && cpus().length >= 2 && hasTaskset();
function hasTaskset() {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
function pin(pid, cpusList) {
  if (pinning) execFileSync('taskset', ['-a', '-p', '-c', cpusList, String(pid)], { stdio: 'ignore' });
}
const SERVER_CPU = String(cpus().length - 1);
const LOAD_CPUS = `0-${Math.max(0, cpus().length - 2)}`;

/** The p99 of each 10 s of a probe's run: whether slow answers cluster (a reconnect herd) or spread. */
function tenSecondP99s({ times, at }) {
  const slices = [];
  times.forEach((ms, i) => (slices[Math.floor(at[i] / 10_000)] ??= []).push(ms));
  return slices.map((slice) => percentile(slice, 99));
}

/** Starts a load child; `stop()` ends its load and resolves with its counts. */
function load(script, config) {
  const child = fork(new URL(script, import.meta.url), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  pin(child.pid, LOAD_CPUS);
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script} did not report`)), 30_000);
        child.once('message', (stats) => {
          clearTimeout(timer);
          resolve(stats);
        });
        child.send('stop');
      }),
  };
}

async function fullLoad(server, secret, seconds) {
  const url = `http://127.0.0.1:${server.port}`;
  const children = [
    load('./soak-sockets.mjs', { url: `ws://127.0.0.1:${server.port}/ws`, secret, sockets: n('sockets'), slowReaders: n('slow') }),
    load('./soak-http.mjs', { url, secret, floodPerSecond: n('flood'), restPerSecond: n('rest'), addresses: n('addresses') }),
  ];
  await pause(seconds * 1000);
  const [sockets, http] = await Promise.all(children.map((child) => child.stop()));
  return { sockets, http };
}

const secret = newSecret();
const server = await startGatehouse('gatehouse', secureEnv(secret, { TRUST_PROXY: 'true', LOG_FORMAT: 'json' }));
pin(server.pid, SERVER_CPU);
const alive = () => {
  try {
    process.kill(server.pid, 0);
    return true;
  } catch {
    return false;
  }
};

let passed = false;
try {
  log(`soak: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start; ` +
    `${n('sockets')} sockets, ${n('slow')} slow readers, ${n('flood')} failed auths/s from ${n('addresses')} addresses, ${n('rest')} REST req/s; ` +
    (pinning ? `server and measuring client on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPUS}` : 'no CPU pinning'));
  const other = { authorization: `Bearer ${userToken('other-client', secret)}` };

  await eventLoopDelay(server.url); // starts a new measurement
  const idleProbe = startProbe(`${server.url}/api/session`, other);
  pin(idleProbe.pid, SERVER_CPU);
  await pause(n('idle') * 1000);
  const idle = await idleProbe.stop();
  const idleLoop = await eventLoopDelay(server.url);
  const cold = await server.settledRss();

  await fullLoad(server, secret, n('warmup'));
  await pause(3_000);
  const start = await server.settledRss();

  await eventLoopDelay(server.url); // starts a new measurement
  const probe = startProbe(`${server.url}/api/session`, other);
  pin(probe.pid, SERVER_CPU);
  const started = Date.now();
  const cpuBefore = cpuMicros(server.pid);
  const { sockets, http } = await fullLoad(server, secret, n('seconds'));
  const busy = await probe.stop();
  const soakSeconds = (Date.now() - started) / 1000;
  const cpuShare = (cpuMicros(server.pid) - cpuBefore) / 1e6 / soakSeconds;
  const loop = await eventLoopDelay(server.url);
  await pause(3_000);
  const end = await server.settledRss();

  const idleP99 = percentile(idle.times, 99);
  const busyP99 = percentile(busy.times, 99);
  const statusTables = { 'flood (REST)': http.flood, 'flood (upgrades)': http.floodUpgrades, 'REST traffic': http.rest, 'socket upgrades refused': sockets.refusedUpgrades, 'measuring client': busy.statuses };
  const fiveXx = Object.values(statusTables).flatMap((table) => Object.entries(table).filter(([code]) => Number(code) >= 500)).reduce((sum, [, c]) => sum + c, 0);
  const closes1011 = sockets.closes['1011'] ?? 0;
  const heapChange = (end.heapUsed - start.heapUsed) / start.heapUsed;

  log('');
  log(`| | value |`);
  log(`|:--|--:|`);
  log(`| soak duration | ${soakSeconds.toFixed(0)} s |`);
  log(`| measuring client, idle: requests, p50, p99 | ${idle.times.length}, ${percentile(idle.times, 50).toFixed(2)} ms, ${idleP99.toFixed(2)} ms |`);
  log(`| measuring client, under load: requests, p50, p99 | ${busy.times.length}, ${percentile(busy.times, 50).toFixed(2)} ms, ${busyP99.toFixed(2)} ms |`);
  log(`| p99 under load / idle | ${(busyP99 / idleP99).toFixed(2)} (must be < 5) |`);
  log(`| measuring client under load, p99 per 10 s | ${tenSecondP99s(busy).map((v) => v.toFixed(1)).join(', ')} ms |`);
  log(`| server CPU under load (of one core) | ${(cpuShare * 100).toFixed(0)}% |`);
  log(`| server event-loop delay, idle: p99, max | ${idleLoop.p99.toFixed(1)} ms, ${idleLoop.max.toFixed(1)} ms |`);
  log(`| server event-loop delay under load: p99, max | ${loop.p99.toFixed(1)} ms, ${loop.max.toFixed(1)} ms |`);
  for (const [name, table] of Object.entries(statusTables)) log(`| ${name}: answers | ${JSON.stringify(table)} |`);
  log(`| sockets: opened, sessions, refreshes answered, session_expiring | ${sockets.opened}, ${sockets.sessions}, ${sockets.refreshes}, ${sockets.expiring} |`);
  log(`| sockets: close codes seen by clients | ${JSON.stringify(sockets.closes)} |`);
  log(`| client-side errors (resets, failed connects) | ${http.errors + sockets.errors} |`);
  log(`| 5xx answers, 1011 closes | ${fiveXx}, ${closes1011} |`);
  log(`| server heap after GC: cold, start (after warm-up), end | ${mb(cold.heapUsed)}, ${mb(start.heapUsed)}, ${mb(end.heapUsed)} (${(heapChange * 100).toFixed(1)}%) |`);
  log(`| server RSS: cold, start, end | ${mb(cold.rss)}, ${mb(start.rss)}, ${mb(end.rss)} |`);
  log(`| load average at end | ${loadavg().map((l) => l.toFixed(1)).join(' ')} |`);
  log('');

  const checks = [
    [`other client's p99 under load < 5x idle (${(busyP99 / idleP99).toFixed(2)}x)`, busyP99 < 5 * idleP99],
    [`no 5xx, no 1011 (${fiveXx + closes1011})`, fiveXx + closes1011 === 0],
    ['no crash (the server is still running)', alive()],
    [`heap after GC within 10% of the start (${(heapChange * 100).toFixed(1)}%)`, Math.abs(heapChange) <= 0.1],
    [`soak lasted at least 60 s (${soakSeconds.toFixed(0)} s)`, soakSeconds >= 60],
  ];
  for (const [name, ok] of checks) log(`${ok ? 'PASS' : 'FAIL'} ${name}`);
  passed = checks.every(([, ok]) => ok);
} catch (error) {
  log(`soak failed: ${error instanceof Error ? error.stack : error}\n${server.output().slice(-3000)}`);
} finally {
  await server.stop();
}
process.exit(passed ? 0 : 1);
