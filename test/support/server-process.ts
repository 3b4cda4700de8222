import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ENV_VARIABLES } from '../../src/server/config/server-settings.js';

// The built server (`node dist/main.js`, what `npm run start:prod` runs) as a child
// process, for what only a real process shows: exit codes, stderr, .env, signals.

export const MAIN = resolve(import.meta.dirname, '../../dist/main.js');

export function assertBuilt(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
}

/** The parent's environment without any Gatehouse variable, plus `env`. */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(ENV_VARIABLES)) delete base[name];
  return { ...base, ...env };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-'));
}

// Ports for servers a test starts itself. Not listen(0): the kernel picks those from the
// ephemeral range (32768-60999), where two calls can return the same port and any outgoing
// connection can take one before the child binds it (CI once gave PORT and METRICS_PORT the
// same number). Below that range each Vitest worker has a block of its own, walked from a
// random start so consecutive files in one worker do not reuse a port still closing.
const BLOCK = 480;
const blockStart = 20_000 + (Number(process.env.VITEST_POOL_ID ?? 0) % 26) * BLOCK;
let offset = Math.floor(Math.random() * BLOCK);

function bindable(port: number): Promise<boolean> {
  return new Promise((resolveBind) => {
    const server = createServer();
    server.once('error', () => resolveBind(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveBind(true)));
  });
}

/** A port no earlier call in this process returned and nothing listens on now. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = blockStart + (offset++ % BLOCK);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${blockStart}-${blockStart + BLOCK - 1}`);
}

export interface Exited {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the server to its end (for configurations that must make it exit). */
export function runServer(env: Record<string, string>, cwd = tempDir(), timeoutMs = 15_000): Promise<Exited> {
  assertBuilt();
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd, env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

export interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts the server and resolves once `readyPath` answers below 500 (/health/live for a
 * server that is not meant to become ready, e.g. with a key set that cannot load).
 */
export async function startServer(env: Record<string, string>, cwd = tempDir(), readyPath = '/health'): Promise<Started> {
  assertBuilt();
  const port = Number(env.PORT ?? (await freePort()));
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: cleanEnv({ HOST: '127.0.0.1', ...env, PORT: String(port) }),
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}${readyPath}`);
      if (res.status < 500) return { child, url, port, output: () => output, exited };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy:\n${output}`);
}

/**
 * SIGTERM, then SIGKILL if it has not exited within `graceMs`: a test that failed
 * half-way (a server stuck writing a huge log to a pipe) never leaves a process behind.
 */
export async function stopServer(server: Started | undefined, graceMs = 10_000): Promise<number | null> {
  if (!server) return null; // its start failed, and the test says why
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), graceMs);
  try {
    return await server.exited;
  } finally {
    clearTimeout(timer);
  }
}
