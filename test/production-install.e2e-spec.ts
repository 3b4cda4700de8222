import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { cleanEnv, freePort } from './support/server-process.js';

// The server in production (docs/operations.md, "Deploying"), exactly as the README says:
// a fresh copy of the repository, `npm ci && npm run build`, then `npm prune --omit=dev`;
// what is left starts (`node dist/main.js`) and its CLI mints tokens, without tsx,
// TypeScript or any other dev dependency. npm's cache serves the packages.

const ROOT = resolve(import.meta.dirname, '..');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly output: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = userEnv()): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(command, args, { cwd, env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolveRun({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, output: `${stdout}${stderr}` });
    });
  });
}

async function mustRun(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.code}):\n${result.output}`);
  return result.output;
}

/** A user's shell: no Gatehouse variables, no npm_* of the `npm test` running us. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv(extra);
  for (const name of Object.keys(env)) if (/^npm_/i.test(name)) delete env[name];
  return env;
}

/** What a clone holds: the files git tracks (and new ones not ignored), without node_modules or dist. */
async function cloneTo(dir: string): Promise<void> {
  const listed = await mustRun('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], ROOT);
  for (const file of listed.split('\0').filter((path) => path !== '' && existsSync(join(ROOT, path)))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
}

describe('the server after npm prune --omit=dev', () => {
  let workspace: string;
  let server: ChildProcess | undefined;
  let url: string;
  let output = '';

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'gatehouse-deploy-'));
    await cloneTo(workspace);
    await mustRun('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], workspace);
    await mustRun('npm', ['run', '-s', 'build'], workspace);
    await mustRun('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], workspace);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // process.execPath: Node 22, as production must have (the pruned tree no longer holds the `node` package).
    server = spawn(process.execPath, ['dist/main.js'], {
      cwd: workspace,
      env: userEnv({ AUTH_MODE: 'insecure', HOST: '127.0.0.1', PORT: String(port) }),
    });
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      if (server.exitCode !== null) throw new Error(`dist/main.js exited with ${server.exitCode}:\n${output}`);
      if (
        await fetch(`${url}/health`).then(
          (res) => res.ok,
          () => false,
        )
      )
        return;
    }
    throw new Error(`dist/main.js did not answer within 20 s:\n${output}`);
  }, 600_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  }, 30_000);

  it('leaves none of the dev tools', () => {
    const left = ['vitest', 'tsx', '@nestjs/cli', 'oxlint', 'node'].filter((tool) => existsSync(join(workspace, 'node_modules', tool)));
    expect(left).toEqual([]);
  });

  it('starts, answers /health and /metrics, and accepts a token from the pruned CLI', async () => {
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok', authMode: 'insecure' });
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('gatehouse_auth_total');
    const minted = await run(
      process.execPath,
      ['dist/cli/token.js', 'token', '--sub', 'alice'],
      workspace,
      userEnv({ AUTH_MODE: 'insecure' }),
    );
    expect(minted.code).toBe(0);
    const session = await fetch(`${url}/api/session`, { headers: { authorization: `Bearer ${minted.stdout.trim()}` } });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ sub: 'alice', authMode: 'insecure' });
  });

  it('explains a token with the pruned CLI', async () => {
    const minted = await run(
      process.execPath,
      ['dist/cli/token.js', '--sub', 'bob', '--exp=-1h'],
      workspace,
      userEnv({ AUTH_MODE: 'insecure' }),
    );
    const explained = await run(
      process.execPath,
      ['dist/cli/token.js', 'explain', minted.stdout.trim()],
      workspace,
      userEnv({ AUTH_MODE: 'insecure' }),
    );
    expect(explained.code).toBe(1);
    expect(explained.output).toContain('token_expired');
  });
});
