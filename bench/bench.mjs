// `npm run bench`: Gatehouse (dist/main.js, secure HS256) against a bare node:http + ws
// reference doing the same check, each in its own process; the load comes from here.
// Options: --sockets N (5000) --rounds R (5) --duration S (3) --warmup S (2)
//          --connections C (50) --ws-rounds R (3) --only rest|ws
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { median, table } from './report.mjs';
import { cpuMicros } from './process-cpu.mjs';
import { measureRest } from './rest-load.mjs';
import { GATEHOUSE_MAIN, startGatehouse, startReference } from './servers.mjs';
import { newSecret, userToken } from './tokens.mjs';
import { closeSockets, openSockets } from './ws-load.mjs';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    'ws-rounds': { type: 'string', default: '3' },
    only: { type: 'string' }, // rest | ws: one phase, for quicker iterations
  },
});
const SOCKETS = Number(args.sockets);
const ROUNDS = Number(args.rounds);
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
const WS_ROUNDS = Number(args['ws-rounds']);

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
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

const unsigned = (payload) =>
  `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

async function restPhase(secret) {
  const secureEnv = { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: secret };
  const [secure, insecure, reference] = await Promise.all([
    startGatehouse('gatehouse-secure', secureEnv),
    startGatehouse('gatehouse-insecure', { AUTH_MODE: 'insecure' }),
    startReference(secret),
  ]);
  try {
    return await withOutputOnFailure([secure, insecure, reference], () => restRounds(secure, insecure, reference, secret));
  } finally {
    await Promise.all([secure.stop(), insecure.stop(), reference.stop()]);
  }
}

async function restRounds(secure, insecure, reference, secret) {
  const token = userToken('bench-user', secret);
  const iat = Math.floor(Date.now() / 1000);
  const insecureToken = unsigned({ sub: 'bench-user', iat, exp: iat + 3600 });
  const bearer = (t) => ({ authorization: `Bearer ${t}` });
  const targets = [
    { key: 'session', pid: secure.pid, label: 'Gatehouse GET /api/session', url: `${secure.url}/api/session`, headers: bearer(token) },
    { key: 'health', pid: secure.pid, label: 'Gatehouse GET /health', url: `${secure.url}/health` },
    { key: 'reference', pid: reference.pid, label: 'reference GET /api/session', url: `${reference.url}/api/session`, headers: bearer(token) },
    { key: 'referenceHealth', pid: reference.pid, label: 'reference GET /health', url: `${reference.url}/health` },
    { key: 'insecure', pid: insecure.pid, label: 'Gatehouse insecure GET /api/session', url: `${insecure.url}/api/session`, headers: bearer(insecureToken) },
  ];
  const options = { connections: CONNECTIONS };
  log(`REST warm-up: ${WARMUP} s per target`);
  for (const target of targets) await measureRest(target, { ...options, duration: WARMUP });
  const samples = Object.fromEntries(targets.map((t) => [t.key, []]));
  const cpu = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, and the order rotates, so that noise from other work on the
    // machine spreads over every target instead of hitting one.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    const line = [];
    for (const target of order) {
      const { rate, cpuPerRequest } = await measureRest(target, { ...options, duration: DURATION });
      samples[target.key].push(rate);
      cpu[target.key].push(cpuPerRequest);
      line.push(`${target.key} ${Math.round(rate)}`);
    }
    log(`REST round ${round + 1}/${ROUNDS}: ${line.join(', ')} req/s`);
  }
  const medians = (lists) => Object.fromEntries(Object.entries(lists).map(([key, list]) => [key, median(list)]));
  return { ...medians(samples), cpu: medians(cpu) };
}

async function wsPhase(secret) {
  const [gatehouse, reference] = await Promise.all([
    startGatehouse('gatehouse-secure', { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: secret }),
    startReference(secret),
  ]);
  const servers = [
    { key: 'gatehouse', server: gatehouse, url: `ws://127.0.0.1:${gatehouse.port}/ws`, rates: [] },
    { key: 'reference', server: reference, url: `ws://127.0.0.1:${reference.port}/ws`, rates: [] },
  ];
  try {
    return await withOutputOnFailure([gatehouse, reference], () => wsRounds(servers, secret));
  } finally {
    await Promise.all([gatehouse.stop(), reference.stop()]);
  }
}

async function wsRounds(servers, secret) {
  // Every socket is a different user with a token never seen before, so each
  // connect is a full verification in both servers.
  const tokensFor = (prefix, n) => Array.from({ length: n }, (_, i) => userToken(`${prefix}-${i}`, secret));
  // Warm-up: Gatehouse has far more code for the JIT to compile than the reference;
  // a few thousand connects get both to their steady state.
  const warmCount = Math.min(2000, SOCKETS);
  for (let pass = 0; pass < 2; pass++) {
    for (const entry of servers) {
      const { sockets } = await openSockets(entry.url, tokensFor(`warm${pass}-${entry.key}`, warmCount));
      await closeSockets(sockets);
    }
  }
  await pause(500);
  for (const entry of servers) entry.before = await entry.server.settledRss();
  for (let round = 0; round < WS_ROUNDS; round++) {
    const tokens = tokensFor(`round${round}`, SOCKETS);
    const order = round % 2 ? [...servers].reverse() : servers;
    const line = [];
    for (const entry of order) {
      const cpuBefore = cpuMicros(entry.server.pid);
      const { sockets, rate } = await openSockets(entry.url, tokens);
      (entry.cpu ??= []).push((cpuMicros(entry.server.pid) - cpuBefore) / SOCKETS);
      entry.rates.push(rate);
      entry.held = Math.max(entry.held ?? 0, sockets.length);
      if (round === 0) {
        // Memory of idle authenticated sockets: settle, then compare with the baseline.
        await pause(1000);
        entry.after = await entry.server.settledRss();
        entry.perSocket = (entry.after.rss - entry.before.rss) / SOCKETS;
        entry.heapPerSocket = (entry.after.heapUsed - entry.before.heapUsed) / SOCKETS;
      }
      await closeSockets(sockets);
      await pause(500); // let the server finish its side of the closes
      line.push(`${entry.key} ${Math.round(rate)}/s`);
    }
    log(`WS round ${round + 1}/${WS_ROUNDS} (${SOCKETS} sockets): ${line.join(', ')}`);
  }
  for (const entry of servers) {
    const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    log(`WS ${entry.key}: RSS ${mib(entry.before.rss)} -> ${mib(entry.after.rss)}, heap ${mib(entry.before.heapUsed)} -> ${mib(entry.after.heapUsed)} with ${SOCKETS} sockets`);
  }
  const [g, r] = servers;
  const summary = (e) => ({ rate: median(e.rates), cpuPerConnect: median(e.cpu), perSocket: e.perSocket, heapPerSocket: e.heapPerSocket, held: e.held });
  return { gatehouse: summary(g), reference: summary(r) };
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

const secret = newSecret();
const rest = args.only === 'ws' ? {} : await restPhase(secret);
const ws = args.only === 'rest' ? { gatehouse: {}, reference: {} } : await wsPhase(secret);

const at = (value, min) => (typeof value !== 'number' || Number.isNaN(value) ? undefined : value >= min);
const rows = [
  { name: 'REST GET /api/session, secure HS256 (req/s)', gatehouse: rest.session, reference: rest.reference, ratioName: 'Gatehouse/reference', ratio: rest.session / rest.reference, target: '>= 0.80', met: at(rest.session / rest.reference, 0.8) },
  { name: 'REST GET /health, public (req/s)', gatehouse: rest.health, ratioName: 'session/health', ratio: rest.session / rest.health, target: '>= 0.90', met: at(rest.session / rest.health, 0.9) },
  { name: 'REST GET /health, framework only (req/s)', gatehouse: rest.health, reference: rest.referenceHealth, ratioName: 'Gatehouse/reference', ratio: rest.health / rest.referenceHealth },
  { name: 'REST GET /api/session, insecure mode (req/s)', gatehouse: rest.insecure, ratioName: 'insecure/secure', ratio: rest.insecure / rest.session },
  { name: 'REST server CPU per GET /api/session (µs)', gatehouse: rest.cpu?.session, reference: rest.cpu?.reference, ratioName: 'reference/Gatehouse', ratio: rest.cpu?.reference / rest.cpu?.session },
  { name: 'REST server CPU per GET /health (µs)', gatehouse: rest.cpu?.health, reference: rest.cpu?.referenceHealth, ratioName: 'health/session', ratio: rest.cpu?.health / rest.cpu?.session },
  { name: 'WS connect rate, header auth (sockets/s)', gatehouse: ws.gatehouse.rate, reference: ws.reference.rate, ratioName: 'Gatehouse/reference', ratio: ws.gatehouse.rate / ws.reference.rate, target: '>= 0.80', met: at(ws.gatehouse.rate / ws.reference.rate, 0.8) },
  { name: 'WS server CPU per connect (µs)', gatehouse: ws.gatehouse.cpuPerConnect, reference: ws.reference.cpuPerConnect, ratioName: 'reference/Gatehouse', ratio: ws.reference.cpuPerConnect / ws.gatehouse.cpuPerConnect },
  { name: 'WS RSS per idle authenticated socket (bytes)', gatehouse: ws.gatehouse.perSocket, reference: ws.reference.perSocket, ratioName: 'Gatehouse/reference', ratio: ws.gatehouse.perSocket / ws.reference.perSocket, target: '<= 1.30', met: at(-ws.gatehouse.perSocket / ws.reference.perSocket, -1.3) },
  { name: '  of which V8 heap (bytes, for context)', gatehouse: ws.gatehouse.heapPerSocket, reference: ws.reference.heapPerSocket, ratioName: 'Gatehouse/reference', ratio: ws.gatehouse.heapPerSocket / ws.reference.heapPerSocket },
  { name: 'WS authenticated sockets held at once', gatehouse: ws.gatehouse.held, reference: ws.reference.held, target: '10,000', met: at(ws.gatehouse.held, 10_000) },
];

const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
console.log(`\nGatehouse bench: ${cpus().length} CPUs (${cpu}), node ${process.version}`);
console.log(`REST: median of ${ROUNDS} interleaved rounds x ${DURATION} s, ${CONNECTIONS} connections, pipelining 1. WS: ${SOCKETS} sockets, connect rate median of ${WS_ROUNDS} rounds, memory from round 1.\n`);
console.log(table(rows));
