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
//   5. frame flood (same server): --frame-sockets (20) authenticated sockets of one sub
//      sending `whoami` as fast as they can and reading the answers (bench/soak-floods.mjs),
//      for --attack s (30), while a well-behaved client (bench/soak-probe.mjs) measures
//      GET /health and a WebSocket round trip, first alone for --idle s;
//   6. Socket.IO handshake flood (a second server, WS_TRANSPORT=socket.io, the default
//      WS_MAX_PENDING_PER_ADDRESS): one client opening Engine.IO polling sessions that
//      never join a namespace, --handshake-concurrency (32) at a time, the same measuring.
//
// Passes when the client's p99 under load < 5x idle, no answer was a 5xx (nor a close
// 1011), the server never exited, and the end heap is within 10% of the start heap; and,
// in each flood, both of the well-behaved client's p99s < 5x idle and the server's memory
// within the bound docs/limits.md gives for that attack.
// Heap after GC: the server runs with --expose-gc and bench/memory-probe.mjs, which on an
// IPC message collects until the heap settles and reports heapUsed.
//
// Options: --seconds 60 --warmup 120 --idle 10 --sockets 2000 --slow 200 --no-pin
//          --flood 300 (bad tokens a second) --rest 150 (valid requests a second)
//          --addresses 30000 (flood addresses, over AUTH_FAIL_MAX_ADDRESSES)
//          --attack 30 --frame-sockets 20 --handshake-concurrency 32
//          --only-floods (skip phases 1-4: the two floods alone)
//          --auth-timeout-ms (WS_AUTH_TIMEOUT_MS of both servers; default the server's, 5000)
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startProbe } from './latency-probe.mjs';
import { startSoakProbe } from './soak-probe.mjs';
import { cpuMicros } from './process-cpu.mjs';
import { startGatehouse } from './servers.mjs';
import { newSecret, secureEnv, userToken } from './tokens.mjs';

const { values: args } = parseArgs({
  allowNegative: true, // --no-pin
  options: {
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '120' },
    idle: { type: 'string', default: '10' },
    sockets: { type: 'string', default: '2000' },
    slow: { type: 'string', default: '200' },
    flood: { type: 'string', default: '300' },
    rest: { type: 'string', default: '150' },
    addresses: { type: 'string', default: '30000' },
    attack: { type: 'string', default: '30' },
    'frame-sockets': { type: 'string', default: '20' },
    'handshake-concurrency': { type: 'string', default: '32' },
    'auth-timeout-ms': { type: 'string' },
    'only-floods': { type: 'boolean', default: false },
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

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Phases 1 to 4; resolves with its checks, [name, ok] each. */
async function mainSoak(server) {
  log(`main soak: ${n('sockets')} sockets, ${n('slow')} slow readers, ${n('flood')} failed auths/s from ${n('addresses')} addresses, ${n('rest')} REST req/s`);
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
    [`main soak: other client's p99 under load < 5x idle (${(busyP99 / idleP99).toFixed(2)}x)`, busyP99 < 5 * idleP99],
    [`main soak: no 5xx, no 1011 (${fiveXx + closes1011})`, fiveXx + closes1011 === 0],
    ['main soak: no crash (the server is still running)', alive(server.pid)],
    [`main soak: heap after GC within 10% of the start (${(heapChange * 100).toFixed(1)}%)`, Math.abs(heapChange) <= 0.1],
    [`main soak: lasted at least 60 s (${soakSeconds.toFixed(0)} s)`, soakSeconds >= 60],
  ];
  return checks;
}

// Phases 5 and 6: a flood, and a well-behaved client measuring GET /health and a
// WebSocket round trip, alone first and then under it, and the server's memory.

/** Linux's peak resident memory of a process (VmHWM), and its reset; undefined without /proc. */
function peakRss(pid) {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
  } catch {
    return undefined;
  }
}
function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A setting of the server as started (its environment), else its default. */
const setting = (env, name, fallback) => Number(env[name] ?? fallback);

/**
 * The most memory the attack may make the server hold, by docs/limits.md's table:
 * frames (authenticated sockets of one sub): WS_MAX_SOCKETS_PER_SUB x (WS_MAX_BUFFERED_BYTES
 * + WS_MAX_PAYLOAD_BYTES + 5 KiB); handshakes (one address, no token):
 * WS_MAX_PENDING_PER_ADDRESS x 16 KiB (an Engine.IO polling session, measured 11.5 KiB).
 */
function documentedBound(kind, env) {
  if (kind === 'frames') {
    const perSocket = setting(env, 'WS_MAX_BUFFERED_BYTES', 1048576) + setting(env, 'WS_MAX_PAYLOAD_BYTES', 65536) + 5 * 1024;
    return { bytes: setting(env, 'WS_MAX_SOCKETS_PER_SUB', 100) * perSocket, formula: 'WS_MAX_SOCKETS_PER_SUB x (WS_MAX_BUFFERED_BYTES + WS_MAX_PAYLOAD_BYTES + 5 KiB)' };
  }
  return { bytes: setting(env, 'WS_MAX_PENDING_PER_ADDRESS', 100) * 16 * 1024, formula: 'WS_MAX_PENDING_PER_ADDRESS x 16 KiB (an Engine.IO session)' };
}

/** Garbage a flood's requests leave before V8 collects it: what docs/limits.md adds to each bound for the peak RSS. */
const GARBAGE_ALLOWANCE = 32 * 1048576;

/**
 * One flood phase against `server` (started with `env`). The flood runs 2 s first and
 * its sessions are left to time out, so that the code paths it takes are compiled and
 * the heap before it is comparable. Then the probe alone for --idle s, then the flood (a
 * child process on the load CPUs) for --attack s with the probe measuring. Memory: the
 * heap after a settled GC before the flood and just after it stops, while what it
 * opened is still held (unauthenticated sessions live WS_AUTH_TIMEOUT_MS): what the
 * attack makes the server hold; and the peak RSS during the flood over the RSS before.
 * Resolves with its checks.
 */
async function floodPhase(title, server, env, transport, flood) {
  const name = title.split(':')[0];
  const probeConfig = { url: server.url, token: userToken('well-behaved', secret), transport };
  const warmUp = load('./soak-floods.mjs', { ...flood, url: server.url, secret });
  await pause(2_000);
  await warmUp.stop();
  await pause(setting(env, 'WS_AUTH_TIMEOUT_MS', 5000) + 1_000);
  const before = await server.settledRss();
  const idleProbe = await startSoakProbe(probeConfig);
  pin(idleProbe.pid, SERVER_CPU);
  await pause(n('idle') * 1000);
  const idle = await idleProbe.stop();

  const peakReset = resetPeakRss(server.pid);
  const attack = load('./soak-floods.mjs', { ...flood, url: server.url, secret });
  await pause(1_000); // the flood at full speed before measuring
  const probe = await startSoakProbe(probeConfig);
  pin(probe.pid, SERVER_CPU);
  const cpuBefore = cpuMicros(server.pid);
  const started = Date.now();
  await pause(n('attack') * 1000);
  const busy = await probe.stop();
  const cpuShare = (cpuMicros(server.pid) - cpuBefore) / 1e6 / ((Date.now() - started) / 1000);
  const stats = await attack.stop();
  const peak = peakReset ? peakRss(server.pid) : undefined;
  const held = await server.settledRss(); // the flood over, what it opened still held
  await pause(setting(env, 'WS_AUTH_TIMEOUT_MS', 5000) + 1_000);
  const after = await server.settledRss();

  const bound = documentedBound(flood.kind, env);
  const p99 = (run) => percentile(run.times, 99);
  const ratio = (name) => p99(busy[name]) / p99(idle[name]);
  // What the attack held: what went when its sessions ended (compiled code and caches stay, and are not its to count).
  const heldGrowth = held.heapUsed - after.heapUsed;
  const leftBehind = (after.heapUsed - before.heapUsed) / before.heapUsed;
  const peakGrowth = peak === undefined ? undefined : peak - before.rss;
  const answersOk = (run, ok) => Object.keys(run.statuses).every((status) => status === ok);
  const effective =
    flood.kind === 'frames'
      ? [`${name}: the flood was refused: sockets closed 1008 rate_limited (${stats.closeReasons.rate_limited ?? 0})`, (stats.closeReasons.rate_limited ?? 0) > 0]
      : [`${name}: the flood was refused: handshakes answered 429 (${stats.handshakes['429'] ?? 0})`, (stats.handshakes['429'] ?? 0) > 0];
  const fiveXx = flood.kind === 'frames' ? (stats.closes['1011'] ?? 0) : Object.entries(stats.handshakes).filter(([code]) => Number(code) >= 500).reduce((sum, [, c]) => sum + c, 0);

  log('');
  log(`${title}`);
  log('');
  log(`| | idle | under the flood | limit | |`);
  log(`|:--|--:|--:|--:|:--|`);
  const row = (name, idleCell, busyCell, limit, ok) => log(`| ${name} | ${idleCell} | ${busyCell} | ${limit} | ${ok ? 'PASS' : 'FAIL'} |`);
  const ms = (v) => `${v.toFixed(2)} ms`;
  row('well-behaved client, GET /health p99', ms(p99(idle.rest)), ms(p99(busy.rest)), `< 5x idle (${ratio('rest').toFixed(2)}x)`, ratio('rest') < 5);
  row(`well-behaved client, WebSocket round trip p99 (${transport})`, ms(p99(idle.ws)), ms(p99(busy.ws)), `< 5x idle (${ratio('ws').toFixed(2)}x)`, ratio('ws') < 5);
  row(
    'server heap after GC: held once the flood stops, over what is left when its sessions have ended',
    mb(after.heapUsed),
    `${mb(held.heapUsed)} (${heldGrowth >= 0 ? '+' : ''}${mb(heldGrowth)})`,
    `<= ${mb(bound.bytes)}`,
    heldGrowth <= bound.bytes,
  );
  row(
    'server heap after GC: before the flood; after it, its sessions ended',
    mb(before.heapUsed),
    `${mb(after.heapUsed)} (${leftBehind >= 0 ? '+' : ''}${(leftBehind * 100).toFixed(1)}%)`,
    'within 10%',
    Math.abs(leftBehind) <= 0.1,
  );
  row(
    'server RSS: settled before; peak during the flood (growth)',
    mb(before.rss),
    peak === undefined ? 'not measured (no /proc)' : `${mb(peak)} (${peakGrowth >= 0 ? '+' : ''}${mb(peakGrowth)})`,
    `growth <= ${mb(bound.bytes + GARBAGE_ALLOWANCE)}`,
    peakGrowth === undefined || peakGrowth <= bound.bytes + GARBAGE_ALLOWANCE,
  );
  log('');
  log(`| | value |`);
  log(`|:--|--:|`);
  log(`| memory bound (docs/limits.md): held; peak RSS | ${bound.formula} = ${mb(bound.bytes)}; that + ${mb(GARBAGE_ALLOWANCE)} of uncollected garbage |`);
  log(`| well-behaved client: requests, round trips (idle; under the flood) | ${idle.rest.times.length}, ${idle.ws.times.length}; ${busy.rest.times.length}, ${busy.ws.times.length} |`);
  log(`| well-behaved client: answers under the flood | REST ${JSON.stringify(busy.rest.statuses)}, WebSocket ${JSON.stringify(busy.ws.statuses)} |`);
  log(`| server CPU under the flood (of one core) | ${(cpuShare * 100).toFixed(0)}% |`);
  log(`| server RSS settled: before, once the flood stops, ${setting(env, 'WS_AUTH_TIMEOUT_MS', 5000) / 1000 + 1} s later | ${mb(before.rss)}, ${mb(held.rss)}, ${mb(after.rss)} |`);
  log(`| server heap after GC: before, once the flood stops, ${setting(env, 'WS_AUTH_TIMEOUT_MS', 5000) / 1000 + 1} s later | ${mb(before.heapUsed)}, ${mb(held.heapUsed)}, ${mb(after.heapUsed)} |`);
  if (flood.kind === 'frames') {
    log(`| flood: connects, frames sent, answers read | ${stats.connects}, ${stats.framesSent}, ${stats.answers} |`);
    log(`| flood: close codes, reasons | ${JSON.stringify(stats.closes)}, ${JSON.stringify(stats.closeReasons)} |`);
    log(`| flood: refused upgrades, client-side errors | ${JSON.stringify(stats.refusedUpgrades)}, ${stats.errors} |`);
  } else {
    log(`| flood: handshake answers | ${JSON.stringify(stats.handshakes)} |`);
    log(`| flood: client-side errors | ${stats.errors} |`);
  }
  log('');
  return [
    [`${name}: GET /health p99 under the flood < 5x idle (${ratio('rest').toFixed(2)}x)`, ratio('rest') < 5],
    [`${name}: WebSocket round trip p99 under the flood < 5x idle (${ratio('ws').toFixed(2)}x)`, ratio('ws') < 5],
    [`${name}: every request and round trip of the well-behaved client answered`, answersOk(busy.rest, '200') && answersOk(busy.ws, 'ok')],
    [`${name}: heap held by the flood's sessions within ${mb(bound.bytes)} (${mb(heldGrowth)})`, heldGrowth <= bound.bytes],
    [`${name}: heap after GC back within 10% of before the flood (${(leftBehind * 100).toFixed(1)}%)`, Math.abs(leftBehind) <= 0.1],
    [
      `${name}: peak RSS within ${mb(bound.bytes + GARBAGE_ALLOWANCE)} of before (${peakGrowth === undefined ? 'not measured' : mb(peakGrowth)})`,
      peakGrowth === undefined || peakGrowth <= bound.bytes + GARBAGE_ALLOWANCE,
    ],
    [`${name}: no 5xx, no 1011 (${fiveXx})`, fiveXx === 0],
    effective,
    [`${name}: no crash (the server is still running)`, alive(server.pid)],
  ];
}

const secret = newSecret();
const wsEnv = secureEnv(secret, {
  TRUST_PROXY: 'true',
  LOG_FORMAT: 'json',
  ...(args['auth-timeout-ms'] === undefined ? {} : { WS_AUTH_TIMEOUT_MS: args['auth-timeout-ms'] }),
});
// Socket.IO, with the default cap of unauthenticated sessions per address (secureEnv lifts it for the bench's many loopback clients).
const ioEnv = { ...wsEnv, WS_TRANSPORT: 'socket.io', WS_MAX_PENDING_PER_ADDRESS: '100' };

let passed = false;
const checks = [];
log(
  `soak: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start; ` +
    (pinning ? `servers and measuring clients on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPUS}` : 'no CPU pinning'),
);
let server = await startGatehouse('gatehouse', wsEnv);
pin(server.pid, SERVER_CPU);
try {
  if (!args['only-floods']) checks.push(...(await mainSoak(server)));
  checks.push(
    ...(await floodPhase(
      `frame flood: ${n('frame-sockets')} sockets of one sub sending whoami as fast as they can, ${n('attack')} s`,
      server,
      wsEnv,
      'ws',
      { kind: 'frames', sockets: n('frame-sockets') },
    )),
  );
  await server.stop();
  server = await startGatehouse('gatehouse-socket.io', ioEnv);
  pin(server.pid, SERVER_CPU);
  checks.push(
    ...(await floodPhase(
      `Socket.IO handshake flood: one address, ${n('handshake-concurrency')} polling handshakes at a time, ${n('attack')} s`,
      server,
      ioEnv,
      'socket.io',
      { kind: 'handshakes', concurrency: n('handshake-concurrency'), address: '198.51.100.7' },
    )),
  );
  log(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  log('');
  for (const [name, ok] of checks) log(`${ok ? 'PASS' : 'FAIL'} ${name}`);
  passed = checks.every(([, ok]) => ok);
} catch (error) {
  log(`soak failed: ${error instanceof Error ? error.stack : error}\n${server.output().slice(-3000)}`);
} finally {
  await server.stop();
}
process.exit(passed ? 0 : 1);
