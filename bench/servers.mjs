import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Each server is a process of its own, started with a memory probe preloaded, so the
// bench can read its resident memory after a settled GC.

const ROOT = resolve(import.meta.dirname, '..');
// BENCH_GATEHOUSE_MAIN: another build of Gatehouse, to compare two versions.
export const GATEHOUSE_MAIN = process.env.BENCH_GATEHOUSE_MAIN ?? join(ROOT, 'dist/main.js');
const REFERENCE = join(ROOT, 'bench/reference-server.mjs');
const NEST_REFERENCE = join(ROOT, 'bench/nest-reference.mjs');
const HOST_APP = join(ROOT, 'bench/host-app.mjs');
const PROBE = join(ROOT, 'bench/memory-probe.mjs');

/**
 * The CPU every server is pinned to (taskset), or undefined: not pinned. On a 2-core
 * machine the servers share one core and the load generator has the other, so a
 * server's rate is what one core gives it, as in production behind a process manager.
 */
let serverCpu;

/**
 * Pins this process (the load generator) to CPU 0 and every server started after this
 * to the last CPU, when there are two or more and taskset is installed. Returns what
 * was done, for the report.
 */
export function pinProcesses() {
  const count = cpus().length;
  if (count < 2 || spawnSync('taskset', ['-a', '-pc', '0', String(process.pid)]).status !== 0) return 'not pinned';
  serverCpu = count - 1;
  return `servers pinned to CPU ${serverCpu}, load generator to CPU 0`;
}

// Variables of the server's own configuration: never inherited from the shell running the bench.
const OWN_VARIABLE = /^(AUTH_|WS_|PORT$|HOST$|NODE_ENV$|LOG_|RATE_|METRICS_)/;

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function cleanEnv(env) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !OWN_VARIABLE.test(name)));
  return { ...base, ...env };
}

/**
 * options.ready: the path that answers 200 once the server is up (/health);
 * options.nodeArgs: more flags for node (--cpu-prof ...).
 */
async function start(name, script, env, { ready = '/health', nodeArgs = [] } = {}) {
  const port = await freePort();
  const node = [process.execPath, ...nodeArgs, '--expose-gc', '--import', PROBE, script];
  const [command, ...args] = serverCpu === undefined ? node : ['taskset', '-c', String(serverCpu), ...node];
  // cwd: an empty directory, so no .env file is read.
  const child = spawn(command, args, {
    cwd: mkdtempSync(join(tmpdir(), 'gatehouse-bench-')),
    env: cleanEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  // Generous: several servers may start at once on one busy core.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}${ready}`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (Date.now() >= deadline) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not become healthy:\n${output}`);
  }
  return {
    name,
    url,
    port,
    pid: child.pid,
    output: () => output,
    /** Settles the server's GC, then reads VmRSS from /proc: { rss, heapUsed, external, spaces } in bytes. */
    settledRss: () => settledRss(child),
    /** Writes a heap snapshot of the server to `path` (after a GC, as V8 does for snapshots). */
    heapSnapshot: (path) => ask(child, { snapshot: path }, 'snapshot', 60_000),
    stop: () => stop(child),
  };
}

/** Starts servers one after the other (`starters`: functions that start one); if one fails, stops the others. */
export async function startAll(starters) {
  const started = [];
  try {
    for (const starter of starters) started.push(await starter());
    return started;
  } catch (error) {
    await Promise.all(started.map((server) => server.stop()));
    throw error;
  }
}

/** Any server script (another Gatehouse build) with the same probe and environment handling. */
export function startScript(name, script, env, options) {
  return start(name, script, env, options);
}

export function startGatehouse(name, env, options) {
  return start(name, GATEHOUSE_MAIN, env, options);
}

/** The framework-free node:http + ws server (bench/reference-server.mjs). */
export function startReference(secret) {
  return start('reference', REFERENCE, { SECRET: secret });
}

/** The bare NestJS app (bench/nest-reference.mjs; PLATFORM=express in `env`: on Express); `session`: its one route's JSON body. */
export function startNestReference(session, env = {}, options = {}) {
  const name = env.PLATFORM === 'express' ? 'bare-nest-express' : 'bare-nest';
  return start(name, NEST_REFERENCE, { ...env, SESSION: JSON.stringify(session) }, { ready: '/api/session', ...options });
}

/** A library host app (bench/host-app.mjs): GatehouseModule in a Nest app on Express unless env.PLATFORM says fastify. */
export function startHostApp(name, session, env) {
  return start(name, HOST_APP, { ...env, SESSION: JSON.stringify(session) }, { ready: '/api/public' });
}

/** Sends the memory probe a message and resolves with its answer of type `type`. */
function ask(child, message, type, timeoutMs) {
  return new Promise((resolveAnswer, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('memory probe did not answer'));
    }, timeoutMs);
    const onMessage = (answer) => {
      if (answer?.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolveAnswer(answer);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

async function settledRss(child) {
  const report = await ask(child, 'gc', 'memory', 10_000);
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return { ...report, rss: Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)[1]) * 1024 };
  } catch {
    return report; // no /proc: the server's own report
  }
}

function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
