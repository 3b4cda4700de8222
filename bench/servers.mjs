import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Each server is a process of its own, started with a memory probe preloaded, so the
// bench can read its resident memory after a settled GC.

const ROOT = resolve(import.meta.dirname, '..');
// BENCH_GATEHOUSE_MAIN: another build of Gatehouse, to compare two versions.
export const GATEHOUSE_MAIN = process.env.BENCH_GATEHOUSE_MAIN ?? join(ROOT, 'dist/main.js');
const REFERENCE = join(ROOT, 'bench/reference-server.mjs');
const PROBE = join(ROOT, 'bench/memory-probe.mjs');

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

async function start(name, script, env) {
  const port = await freePort();
  // cwd: an empty directory, so no .env file is read.
  const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, script], {
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
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
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
    /** Settles the server's GC, then reads VmRSS from /proc: { rss, heapUsed } in bytes. */
    settledRss: () => settledRss(child),
    stop: () => stop(child),
  };
}

/** Any server script (another Gatehouse build) with the same probe and environment handling. */
export function startScript(name, script, env) {
  return start(name, script, env);
}

export function startGatehouse(name, env) {
  return start(name, GATEHOUSE_MAIN, env);
}

export function startReference(secret) {
  return start('reference', REFERENCE, { SECRET: secret });
}

function settledRss(child) {
  return new Promise((resolveRss, reject) => {
    const timer = setTimeout(() => reject(new Error('memory probe did not answer')), 10_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        resolveRss({ rss: Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)[1]) * 1024, heapUsed: message.heapUsed });
      } catch {
        resolveRss(message); // no /proc: the server's own report
      }
    });
    child.send('gc');
  });
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
