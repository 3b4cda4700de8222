// `node bench/revocation-bench.mjs` (after `npm run build`): what revocation costs and
// how fast it spreads (docs/clusters.md).
//
//   propagation  3 Gatehouse processes (dist/main.js) and one redis-server: a revocation
//                POSTed to A; time until the live sockets it covers on B and on C are
//                closed (p50, p99 over --revocations, default 1000)
//   memory       bytes per entry held in a process, and in Redis; time to load 100,000
//                entries from Redis (what a reconnect costs)
//   throughput   REST GET /api/session and WebSocket connects, secure HS256, revocation
//                off vs on with --held (100,000) revoked jtis: --rounds pairs in ABBA
//                order, requests/s and server CPU per request, median per-pair ratios
//
// Options: --only propagation|memory|throughput  --revocations N  --held N  --rounds R
//          --duration S  --connections C  --sockets N
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { newSecret, secureEnv, signHs256, unsignedToken } from './tokens.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    revocations: { type: 'string', default: '1000' },
    held: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '16' },
    duration: { type: 'string', default: '1.5' },
    connections: { type: 'string', default: '50' },
    sockets: { type: 'string', default: '500' },
  },
});
const log = (line) => process.stderr.write(`${line}\n`);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);

// Heap figures need a collector on call: run again under --expose-gc.
if (typeof globalThis.gc !== 'function') {
  const run = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

const { revocationId, parseStoredRevocation } = await import('../dist/lib/revocation/revocation.js');
const { RevocationList } = await import('../dist/lib/revocation/revocation-list.js');
const { noteTokenIdentity, tokenIdentityOf } = await import('../dist/lib/core/token-identity.js');
const { RedisConnection } = await import('../dist/lib/redis/redis-connection.js');
const { RedisRevocationStore } = await import('../dist/lib/revocation/redis-revocation-store.js');

// --- helpers -------------------------------------------------------------------------

async function freePort() {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}


function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const median = (values) => percentile(values, 50);

function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6; // utime + stime, in clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const client = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => 50 });
  client.on('error', () => undefined); // refused until redis-server listens
  for (let i = 0; i < 100; i++) {
    try {
      await client.connect();
      break;
    } catch {
      await pause(50);
    }
  }
  return { url: `redis://127.0.0.1:${port}`, client, stop: () => { client.disconnect(); child.kill('SIGKILL'); } };
}

async function startProcess(script, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    cwd: mkdtempSync(join(tmpdir(), 'gatehouse-bench-')),
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-20_000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited:\n${output}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // not yet
    }
    await pause(100);
  }
  return {
    url,
    port,
    pid: child.pid,
    output: () => output,
    stop: () => new Promise((r) => { if (child.exitCode !== null) return r(); child.once('exit', r); child.kill('SIGTERM'); }),
  };
}

function openSocket(port, token) {
  return new Promise((resolveSocket, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('message', () => {
      ws.closedAt = new Promise((r) => ws.once('close', () => r(performance.now())));
      ws.on('error', () => {});
      resolveSocket(ws);
    });
  });
}

// --- propagation ---------------------------------------------------------------------

async function propagation() {
  const total = Number(args.revocations);
  const key = randomBytes(24).toString('base64url');
  const redis = await startRedis();
  const env = { AUTH_MODE: 'insecure', ADMIN_API_KEY: key, REDIS_URL: redis.url, AUTH_FAIL_LIMIT: '0' };
  const main = join(ROOT, 'dist/main.js');
  const [a, b, c] = await Promise.all([startProcess(main, env), startProcess(main, env), startProcess(main, env)]);
  const write = [];
  const onB = [];
  const onC = [];
  try {
    const batch = 100;
    for (let start = 0; start < total; start += batch) {
      const subs = Array.from({ length: Math.min(batch, total - start) }, (_, i) => `user-${start + i}`);
      const token = (sub) => unsignedToken({ sub, iat: now() - 10, exp: now() + 3600 });
      const socketsB = await Promise.all(subs.map((sub) => openSocket(b.port, token(sub))));
      const socketsC = await Promise.all(subs.map((sub) => openSocket(c.port, token(sub))));
      for (let i = 0; i < subs.length; i++) {
        const started = performance.now();
        const res = await fetch(`${a.url}/admin/revocations`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sub: subs[i] }),
        });
        if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
        write.push(performance.now() - started);
        const [closedB, closedC] = await Promise.all([socketsB[i].closedAt, socketsC[i].closedAt]);
        onB.push(closedB - started);
        onC.push(closedC - started);
      }
      log(`propagation: ${start + subs.length}/${total}`);
    }
  } finally {
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    redis.stop();
  }
  const every = onB.map((value, i) => Math.max(value, onC[i]));
  const row = (name, values) => `| ${name} | ${median(values).toFixed(2)} | ${percentile(values, 99).toFixed(2)} | ${Math.max(...values).toFixed(2)} |`;
  return [
    `Propagation over ${total} revocations, 3 processes and one Redis on this machine (ms):`,
    '',
    '| measured from the POST to A | p50 | p99 | max |',
    '|---|---:|---:|---:|',
    row('201 from A (stored in Redis, applied on A)', write),
    row("B's socket closed (4401 received)", onB),
    row("C's socket closed (4401 received)", onC),
    row('closed on every other process', every),
  ].join('\n');
}

// --- memory --------------------------------------------------------------------------

function settledHeap() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function jtiEntry(i) {
  const jti = `${randomBytes(16).toString('hex')}-${i}`; // 36 characters, like a UUID
  return parseStoredRevocation(JSON.parse(JSON.stringify({ id: revocationId('jti', jti), jti, exp: now() + 3600, revokedAt: now() })));
}
function subEntry(i) {
  const sub = `auth0|${randomBytes(12).toString('hex')}${i}`;
  return parseStoredRevocation(JSON.parse(JSON.stringify({ id: revocationId('sub', sub), sub, before: now(), revokedAt: now() })));
}

async function memory() {
  const n = Number(args.held);
  const lines = [];
  for (const [kind, make] of [['jti', jtiEntry], ['sub', subEntry]]) {
    // The entry objects (as loaded from a file or Redis) and the list's indexes.
    const list = new RevocationList({ leeway: 2, maxTokenLifetimeSeconds: null });
    const before = settledHeap();
    for (let i = 0; i < n; i++) list.put(make(i));
    const after = settledHeap();
    if (list.size !== n) throw new Error('lost entries');
    lines.push(`| ${kind} entries in a process (V8 heap) | ${Math.round((after - before) / n)} |`);
  }
  // The lookup every authentication makes (Revocations.check): the token's jti and iat
  // beside its session, then one Set and one Map lookup; a miss, as for nearly every token.
  const list = new RevocationList({ leeway: 2, maxTokenLifetimeSeconds: null });
  for (let i = 0; i < n; i++) list.put(jtiEntry(i));
  const sessions = Array.from({ length: 1024 }, (_, i) => {
    const session = { sub: `user-${i}`, expiresAt: now() + 3600, claims: {}, authMode: 'secure' };
    noteTokenIdentity(session, { jti: randomBytes(16).toString('hex'), iat: now() });
    return session;
  });
  const check = (session) => {
    const { jti, issuedAt } = tokenIdentityOf(session);
    return list.covers(session.sub, jti, issuedAt);
  };
  let hits = 0;
  for (let i = 0; i < 200_000; i++) hits += check(sessions[i & 1023]) ? 1 : 0; // warm-up
  const lookups = 2_000_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) hits += check(sessions[i & 1023]) ? 1 : 0;
  const nsPerCheck = Number(process.hrtime.bigint() - started) / lookups;
  if (hits !== 0) throw new Error('unexpected hit');
  lines.push(`| one check with ${n.toLocaleString('en-US')} entries held (ns, not bytes) | ${nsPerCheck.toFixed(0)} |`);
  // What the entries add to a full collection (every object held is marked).
  const fullGc = () => {
    const times = [];
    for (let i = 0; i < 9; i++) {
      const started = process.hrtime.bigint();
      globalThis.gc();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return median(times);
  };
  const withEntries = fullGc();
  list.replaceAll([]);
  const without = fullGc();
  lines.push(`| a full GC with them held vs without (ms, not bytes) | ${withEntries.toFixed(1)} vs ${without.toFixed(1)} |`);

  // Redis: the hash and the drop-time index, as the store writes them.
  const redis = await startRedis();
  try {
    const used = async () => Number(/used_memory:(\d+)/.exec(await redis.client.info('memory'))[1]);
    const before = await used();
    const entries = Array.from({ length: n }, (_, i) => jtiEntry(i));
    for (let i = 0; i < n; i += 5000) {
      const pipeline = redis.client.pipeline();
      for (const entry of entries.slice(i, i + 5000)) {
        pipeline.hset('gatehouse:revocations', entry.id, JSON.stringify(entry));
        pipeline.zadd('gatehouse:revocations:drop', entry.exp + 3, entry.id);
      }
      await pipeline.exec();
    }
    await redis.client.set('gatehouse:revocations:version', '1');
    const after = await used();
    lines.push(`| jti entries in Redis (used_memory) | ${Math.round((after - before) / n)} |`);
    // What a process does at start and after each reconnect: load the whole set.
    const connection = await RedisConnection.open(redis.url, 'gatehouse:');
    const list = new RevocationList({ leeway: 2, maxTokenLifetimeSeconds: null });
    const store = new RedisRevocationStore(connection, { leeway: 2, maxTokenLifetimeSeconds: null }, 1_000_000);
    const sink = { replaceAll: (e) => list.replaceAll(e), put: (e) => list.put(e), remove: (id) => list.remove(id), held: () => list.entries() };
    const started = performance.now();
    await store.start(sink, 30_000);
    const loadMs = performance.now() - started;
    if (list.size !== n) throw new Error(`loaded ${list.size} of ${n}`);
    await store.close();
    await connection.close();
    lines.push(`| time to load ${n.toLocaleString('en-US')} entries from Redis (ms, connect included) | ${Math.round(loadMs)} |`);
  } finally {
    redis.stop();
  }
  return [`Memory per revocation, ${n.toLocaleString('en-US')} entries:`, '', '| what | bytes per entry |', '|---|---:|', ...lines].join('\n');
}

// --- throughput ----------------------------------------------------------------------

async function throughput() {
  const held = Number(args.held);
  const rounds = Number(args.rounds);
  const duration = Number(args.duration);
  const connections = Number(args.connections);
  const sockets = Number(args.sockets);
  const secret = newSecret();
  const env = secureEnv(secret, { AUTH_FAIL_LIMIT: '0', METRICS_ENABLED: 'false' });
  const onDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-data-'));
  const records = Array.from({ length: held }, (_, i) => JSON.stringify({ op: 'put', entry: jtiEntry(i) }));
  writeFileSync(join(onDir, 'revocations.jsonl'), `${records.join('\n')}\n`);
  const script = join(ROOT, 'bench/revocation-server.mjs');
  // "on, empty" is a control: it runs the same code as "off" nearly, so its ratio shows how
  // much of a difference this machine's noise alone makes.
  const [off, empty, on] = await Promise.all([
    startProcess(script, { ...env, BENCH_REVOCATION: 'off', GATEHOUSE_DATA_DIR: mkdtempSync(join(tmpdir(), 'gatehouse-bench-data-')) }),
    startProcess(script, { ...env, GATEHOUSE_DATA_DIR: mkdtempSync(join(tmpdir(), 'gatehouse-bench-data-')) }),
    startProcess(script, { ...env, GATEHOUSE_DATA_DIR: onDir }),
  ]);
  const ready = await (await fetch(`${on.url}/health/ready`)).json();
  if (ready.details?.revocations?.held !== held) throw new Error(`"on" holds ${JSON.stringify(ready.details?.revocations)}`);
  // A token with a jti, as identity providers issue them: looked up, not found.
  const token = signHs256({ sub: 'bench-user', jti: randomBytes(16).toString('hex'), iat: now(), exp: now() + 3600 }, secret);
  const servers = [
    { name: 'off', server: off, rest: [], restCpu: [], ws: [], wsCpu: [] },
    { name: 'empty', server: empty, rest: [], restCpu: [], ws: [], wsCpu: [] },
    { name: 'on', server: on, rest: [], restCpu: [], ws: [], wsCpu: [] },
  ];
  const rest = async (entry, seconds) => {
    const cpu = cpuMicros(entry.server.pid);
    const result = await autocannon({ url: `${entry.server.url}/api/session`, connections, duration: seconds, headers: { authorization: `Bearer ${token}` } });
    if (result.non2xx + result.errors + result.timeouts > 0) throw new Error(`${entry.name}: answers that were not 2xx`);
    return { rate: result.requests.total / result.duration, cpu: (cpuMicros(entry.server.pid) - cpu) / result.requests.total };
  };
  const ws = async (entry, round) => {
    // Every socket a new token: each connect is a full verification, then the lookup.
    const tokens = Array.from({ length: sockets }, (_, i) => signHs256({ sub: `u${round}-${i}`, jti: `${round}-${i}`, iat: now(), exp: now() + 3600 }, secret));
    const cpu = cpuMicros(entry.server.pid);
    const started = performance.now();
    const open = [];
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < tokens.length) open.push(await openSocket(entry.server.port, tokens[next++]));
    }));
    const seconds = (performance.now() - started) / 1000;
    const cpuPer = (cpuMicros(entry.server.pid) - cpu) / sockets;
    await Promise.all(open.map((socket) => { socket.close(); return socket.closedAt; }));
    await pause(300);
    return { rate: sockets / seconds, cpu: cpuPer };
  };
  try {
    log('throughput: warm-up');
    for (const entry of servers) {
      await rest(entry, 2);
      await ws(entry, 'warm');
    }
    // Rounds of one sample each, the order rotating and reversing: the load of the rest of
    // the machine drifts, and each round's ratios see nearly the same drift on every side.
    const ratios = { rest: [], restCpu: [], ws: [], wsCpu: [], controlRest: [], controlRestCpu: [], controlWs: [], controlWsCpu: [] };
    for (let pair = 0; pair < rounds; pair++) {
      const rotated = servers.map((_, i) => servers[(i + pair) % servers.length]);
      const order = pair % 2 ? rotated.reverse() : rotated;
      const results = {};
      for (const entry of order) results[entry.name] = { rest: await rest(entry, duration) };
      for (const entry of order) results[entry.name].ws = await ws(entry, pair);
      for (const entry of servers) {
        entry.rest.push(results[entry.name].rest.rate);
        entry.restCpu.push(results[entry.name].rest.cpu);
        entry.ws.push(results[entry.name].ws.rate);
        entry.wsCpu.push(results[entry.name].ws.cpu);
      }
      ratios.rest.push(results.on.rest.rate / results.off.rest.rate);
      ratios.restCpu.push(results.on.rest.cpu / results.off.rest.cpu);
      ratios.ws.push(results.on.ws.rate / results.off.ws.rate);
      ratios.wsCpu.push(results.on.ws.cpu / results.off.ws.cpu);
      ratios.controlRest.push(results.empty.rest.rate / results.off.rest.rate);
      ratios.controlRestCpu.push(results.empty.rest.cpu / results.off.rest.cpu);
      ratios.controlWs.push(results.empty.ws.rate / results.off.ws.rate);
      ratios.controlWsCpu.push(results.empty.ws.cpu / results.off.ws.cpu);
      log(`throughput pair ${pair + 1}/${rounds}: ${servers.map((e) => `${e.name} ${Math.round(e.rest.at(-1))} req/s, ${Math.round(e.ws.at(-1))} sockets/s`).join('; ')}`);
    }
    servers.ratios = ratios;
  } finally {
    await Promise.all([off.stop(), empty.stop(), on.stop()]);
  }
  const [o, e, n] = servers;
  const row = (name, key, ratio, control, higherIsBetter) => {
    const within = higherIsBetter ? ratio >= 0.95 : ratio <= 1.05;
    const fmt = (entry) => Math.round(median(entry[key])).toLocaleString('en-US');
    return `| ${name} | ${fmt(o)} | ${fmt(e)} | ${fmt(n)} | ${control.toFixed(3)} | ${ratio.toFixed(3)} | ${within ? 'yes' : 'NO'} |`;
  };
  const r = servers.ratios;
  return [
    `Revocation off, on with none held, and on with ${held.toLocaleString('en-US')} revoked jtis held; secure HS256; ${rounds} rounds, order rotating (REST ${duration} s x ${connections} connections; WS ${sockets} connects); medians, and medians of the per-round ratios to off:`,
    '',
    '| measurement | off | on, none held | on, held | none/off (noise) | held/off | within 5% |',
    '|---|---:|---:|---:|---:|---:|---|',
    row('REST GET /api/session (req/s)', 'rest', median(r.rest), median(r.controlRest), true),
    row('REST server CPU per request (µs)', 'restCpu', median(r.restCpu), median(r.controlRestCpu), false),
    row('WS connects, header auth (sockets/s)', 'ws', median(r.ws), median(r.controlWs), true),
    row('WS server CPU per connect (µs)', 'wsCpu', median(r.wsCpu), median(r.controlWsCpu), false),
  ].join('\n');
}

const phases = { propagation, memory, throughput };
const chosen = args.only ? [args.only] : Object.keys(phases);
const out = [];
for (const name of chosen) {
  if (!phases[name]) throw new Error(`--only ${name}: one of ${Object.keys(phases).join(', ')}`);
  log(`--- ${name}`);
  out.push(await phases[name]());
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\nRevocation bench: ${cpus().length} CPUs (${cpu}), node ${process.version}\n`);
console.log(out.join('\n\n'));
