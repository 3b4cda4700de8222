import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { expect401 } from './support/expect-401.js';
import { cleanEnv, freePort } from './support/server-process.js';
import { signedToken, validFor } from './support/tokens.js';
import { connect, type WsClient } from './support/ws-client.js';

// Proof from outside (docs/protocol.md §9, §14): the package (packages/nestjs-gatehouse,
// assembled by `npm run build`) is packed with `npm pack` and the tarball installed, with
// the Nest packages from the npm registry, into NestJS 12 apps that import only from
// `nestjs-gatehouse`: test/fixtures/package-app (Fastify; its entry points run as processes
// driven over HTTP and ws) and test/fixtures/express-app (a blank `nest new` app on Express
// that follows the docs; its own supertest e2e test runs). Each type-checks with its own tsc.

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGE = join(ROOT, 'packages/nestjs-gatehouse');
const FIXTURE = join(ROOT, 'test/fixtures/package-app');
const EXPRESS_FIXTURE = join(ROOT, 'test/fixtures/express-app');

/** The optional peers: none is installed with the package, and only app B adds one (prom-client). */
const OPTIONAL_PEERS = ['socket.io', '@nestjs/platform-socket.io', 'ioredis', '@nestjs/terminus', 'helmet'];

// What a user installs next to nestjs-gatehouse, at the versions this repo's lock has, so
// npm's cache serves them. (The test itself drives the apps with this repo's supertest.)
const USER_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-fastify',
  '@nestjs/websockets',
  '@nestjs/passport',
  '@nestjs/config',
  'reflect-metadata',
  'rxjs',
  'typescript',
  '@types/node',
  'ws',
  '@types/ws',
  'prom-client',
];

// What `nest new` installs (Express, @nestjs/testing, supertest), the WebSocket packages
// the docs add for a gateway, and the package's required peers.
const EXPRESS_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/websockets',
  '@nestjs/passport',
  'passport',
  '@nestjs/testing',
  'reflect-metadata',
  'rxjs',
  'typescript',
  '@types/node',
  '@types/express',
  'supertest',
  '@types/supertest',
  'ws',
  '@types/ws',
];

const JWT_SECRET = 'package-test-secret-with-at-least-32-bytes!';
const ALICE_KEY = 'ak_alice_5d1c0f3e9b2a'; // known to app B's ApiKeyVerifier
const BAD_KEY = 'ak_nobody_000000000000';

interface Run {
  readonly code: number;
  readonly output: string;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts). */
function run(command: string, args: string[], cwd: string, timeoutMs: number, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(command, args, { cwd, env: childEnv(env), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolveRun({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

async function mustRun(what: string, command: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  const result = await run(command, args, cwd, timeoutMs);
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.output}`);
  return result;
}

/**
 * The environment of a user's shell: without Gatehouse's variables, nor the npm_*
 * variables of the `npm test` that may be running us (they would steer the nested npm).
 */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = cleanEnv(extra);
  for (const name of Object.keys(env)) if (/^npm_/i.test(name)) delete env[name];
  return env;
}

/** `name@version` at the version this repo's package-lock.json holds. */
function locked(names: readonly string[]): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  return names.map((name) => {
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (version === undefined) throw new Error(`${name} is not in package-lock.json`);
    return `${name}@${version}`;
  });
}

function assertBuilt(): void {
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/token.js']) {
    if (!existsSync(join(PACKAGE, file)))
      throw new Error(`packages/nestjs-gatehouse/${file} is missing: run "npm run build" first (npm test does)`);
  }
}

/** `npm pack` of the package into `dir`: the tarball's path and the files it holds. */
async function pack(dir: string): Promise<{ tarball: string; files: string[] }> {
  const { output } = await mustRun('npm pack', 'npm', ['pack', '--pack-destination', dir, '--json', '--silent'], PACKAGE, 120_000);
  const [{ filename, files }] = JSON.parse(output.slice(output.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(dir, filename), files: files.map((file) => file.path) };
}

interface App {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  output(): string;
}

/** Starts a compiled entry of the fixture app and resolves once it answers HTTP. */
async function start(appDir: string, entry: string, env: Record<string, string>): Promise<App> {
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: appDir,
    env: childEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }),
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}:\n${output}`);
    try {
      await fetch(`${url}/status`);
      return { child, url, port, output: () => output };
    } catch {
      await new Promise((r) => setTimeout(r, 100)); // not listening yet
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${entry} did not answer within 20 s:\n${output}`);
}

async function stop(app: App | undefined): Promise<void> {
  const child = app?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The value of one Prometheus sample, found by its name and labels (0 when absent). */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const found = Object.fromEntries([...line.slice(name.length + 1, close).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(line.slice(close + 1));
  }
  return 0;
}

async function authenticated(port: number, token: string): Promise<WsClient> {
  const client = await connect(port);
  client.auth(token);
  return client;
}

describe('the packed library in a fresh NestJS app', () => {
  let workspace: string;
  let appDir: string;
  let typeCheck: Run;
  let libCheck: Run;
  let packed: string[];
  const apps: App[] = [];

  beforeAll(async () => {
    assertBuilt();
    workspace = mkdtempSync(join(tmpdir(), 'gatehouse-package-'));
    const { tarball, files } = await pack(workspace);
    packed = files;
    appDir = join(workspace, 'app');
    cpSync(FIXTURE, appDir, { recursive: true });
    await mustRun(
      'npm install',
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, ...locked(USER_PACKAGES)],
      appDir,
      400_000,
    );
    const tsc = join(appDir, 'node_modules/typescript/bin/tsc');
    typeCheck = await run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], appDir, 120_000);
    // nest new sets skipLibCheck, which would hide errors in gatehouse's own .d.ts files.
    libCheck = await run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json', '--skipLibCheck', 'false'], appDir, 120_000);
    // tsc emits despite type errors: the type-check test reports them, the apps still run.
    const compiled = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], appDir, 120_000);
    if (!existsSync(join(appDir, 'dist/app-a/main.js'))) throw new Error(`tsc emitted nothing:\n${compiled.output}`);
  }, 900_000);

  afterAll(async () => {
    await Promise.all(apps.map(stop));
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  }, 30_000);

  it('ships the library, the client, the test helpers and the CLI, not the server or its dependencies', () => {
    for (const file of ['dist/index.js', 'dist/client/gatehouse-client.js', 'dist/testing/index.js', 'dist/cli/token.js', 'LICENSE']) {
      expect(packed).toContain(file);
    }
    expect(packed.filter((path) => /^dist\/(server\/|main\.|internal\.)/.test(path) || /\.spec\.|\.map$/.test(path))).toEqual([]);
    const installed = JSON.parse(readFileSync(join(appDir, 'node_modules/nestjs-gatehouse/package.json'), 'utf8')) as {
      dependencies: object;
      private?: boolean;
      license: string;
    };
    expect(installed).toMatchObject({ license: 'MIT' });
    expect(installed.private).toBeUndefined();
    for (const serverOnly of [
      'nestjs-pino',
      'pino',
      'pino-http',
      '@nestjs/swagger',
      '@fastify/static',
      '@nestjs/config',
      ...OPTIONAL_PEERS,
    ]) {
      expect(Object.keys(installed.dependencies)).not.toContain(serverOnly);
    }
    expect(Object.keys(installed.dependencies).filter((name) => name.startsWith('@types/'))).toEqual([]);
  });

  it('installs none of the optional peers the app does not ask for', () => {
    expect(OPTIONAL_PEERS.filter((name) => existsSync(join(appDir, 'node_modules', name)))).toEqual([]);
  });

  it('passes npm publish --dry-run', async () => {
    const result = await run('npm', ['publish', '--dry-run'], PACKAGE, 120_000);
    expect(result.output).toContain('+ nestjs-gatehouse@');
    expect(result.code).toBe(0);
  });

  it('has a gatehouse bin that mints a token from the installed package (no tsx, no TypeScript)', async () => {
    const result = await run(join(appDir, 'node_modules/.bin/gatehouse'), ['token', '--sub', 'alice'], appDir, 30_000, {
      AUTH_MODE: 'insecure',
    });
    expect(result.code).toBe(0);
    const [, payload] = result.output.split('.');
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ sub: 'alice' });
  });

  it('stops an app that uses a module whose optional peer is missing, naming the package to install', async () => {
    const result = await run(process.execPath, ['dist/app-c/main.js'], appDir, 30_000);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('GatehouseHealthModule needs the package "@nestjs/terminus": npm install @nestjs/terminus');
  });

  it('type-checks with the app\'s own tsc, importing only from "nestjs-gatehouse"', () => {
    expect(typeCheck.output).toBe('');
    expect(typeCheck.code).toBe(0);
  });

  it('ships .d.ts files that type-check in the app (skipLibCheck off), but for the optional peers it did not install', () => {
    // An app that turns skipLibCheck off (nest new sets it) installs the peers whose types it wants checked.
    const missingPeer = new RegExp(`Cannot find module '(${OPTIONAL_PEERS.join('|')})'`);
    const ours = libCheck.output.split('\n').filter((line) => line.includes('node_modules/nestjs-gatehouse/') && !missingPeer.test(line));
    expect(ours).toEqual([]);
  });

  describe('app A: JWTs (HS256) configured with forRootAsync from ConfigService', () => {
    let app: App;
    const sign = (sub: string, secret = JWT_SECRET) =>
      signedToken({ sub, role: 'editor', ...validFor(600) }, { alg: 'HS256', key: secret });

    beforeAll(async () => {
      app = await start(appDir, 'dist/app-a/main.js', { JWT_SECRET });
      apps.push(app);
    }, 60_000);

    it('answers 401 token_missing with the RFC 6750 challenge when no token is sent', async () => {
      const res = await expect401(app.url, undefined, 'token_missing', 'Missing bearer token', '/session');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
    });

    it('answers 401 signature_invalid for a token signed with another secret', async () => {
      await expect401(app.url, sign('alice', 'another-secret-that-is-32-bytes-long!!'), 'signature_invalid', undefined, '/session');
    });

    it('gives a guarded route the session of a valid token', async () => {
      const token = sign('alice');
      const res = await request(app.url).get('/session').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ sub: 'alice', claims: { sub: 'alice', role: 'editor' }, authMode: 'secure' });
      const notes = await request(app.url).get('/notes').set('Authorization', `Bearer ${token}`);
      expect(notes.body).toEqual({ owner: 'alice', notes: ["alice's first note"] });
    });

    it('serves @Public() routes without a token, and refuses unknown routes without one', async () => {
      expect((await request(app.url).get('/status')).body).toEqual({ ok: true });
      await expect401(app.url, undefined, 'token_missing', 'Missing bearer token', '/no/such/route');
    });

    it('answers 403 insufficient_scope on a @RequireScopes route without the scope, and runs it with the scope', async () => {
      const withScope = (scope: string) => signedToken({ sub: 'alice', scope, ...validFor(600) }, { alg: 'HS256', key: JWT_SECRET });
      const refused = await request(app.url)
        .post('/notes')
        .set('Authorization', `Bearer ${withScope('notes:read')}`);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ statusCode: 403, reason: 'insufficient_scope' });
      expect(refused.headers['www-authenticate']).toMatch(/error="insufficient_scope", scope="notes:write"/);
      const created = await request(app.url)
        .post('/notes')
        .set('Authorization', `Bearer ${withScope('notes:read notes:write')}`);
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ created: true, by: 'alice' });
    });

    it('authenticates a WebSocket with its first frame, then runs the guarded gateway', async () => {
      const client = await authenticated(app.port, sign('alice'));
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice', authMode: 'secure' } });
      client.send({ event: 'notes', data: { text: 'hello' } });
      expect(await client.next()).toEqual({ event: 'notes', data: { owner: 'alice', echo: 'hello' } });
      await client.close();
    });

    it('refuses a gateway message before authentication: auth_required, close 4401', async () => {
      const client = await connect(app.port);
      client.send({ event: 'notes', data: { text: 'hello' } });
      expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'auth_required' } });
      expect(await client.closed).toEqual({ code: 4401, reason: 'auth_required' });
      expect(client.frames.map((f) => f.event)).toEqual(['error']);
    });
  });

  describe('app D: two issuers (the issuers option), each with its own key', () => {
    const ISSUERS = ['https://first.idp.test/', 'https://second.idp.test/'];
    const KEYS = [JWT_SECRET, 'the-second-issuers-secret-of-32-bytes-or-more'];
    let app: App;
    const sign = (iss: string, key: string) => signedToken({ sub: 'alice', iss, ...validFor(600) }, { alg: 'HS256', key });

    beforeAll(async () => {
      const issuers = ISSUERS.map((issuer, i) => ({ issuer, key: KEYS[i], algorithms: 'HS256' }));
      app = await start(appDir, 'dist/app-d/main.js', { ISSUERS: JSON.stringify(issuers) });
      apps.push(app);
    }, 60_000);

    it("accepts each issuer's tokens", async () => {
      for (const [i, iss] of ISSUERS.entries()) {
        const res = await request(app.url)
          .get('/session')
          .set('Authorization', `Bearer ${sign(iss, KEYS[i])}`);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ sub: 'alice', claims: { iss } });
      }
    });

    it("refuses a token signed with the other issuer's key (signature_invalid) and an unknown issuer (claim_invalid)", async () => {
      await expect401(app.url, sign(ISSUERS[0], KEYS[1]), 'signature_invalid', undefined, '/session');
      await expect401(app.url, sign('https://other.idp.test/', KEYS[0]), 'claim_invalid', 'Unknown issuer', '/session');
    });
  });

  describe('app B: its own TokenVerifier (API keys), a failure limit and metrics', () => {
    let app: App;
    beforeAll(async () => {
      app = await start(appDir, 'dist/app-b/main.js', {});
      apps.push(app);
    }, 60_000);

    const get = (path: string, key?: string) => {
      const req = request(app.url).get(path);
      return key === undefined ? req : req.set('Authorization', `Bearer ${key}`);
    };

    it('gives a known key its session, over REST and WebSocket', async () => {
      const res = await get('/session', ALICE_KEY);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'alice', expiresAt: null, claims: { kind: 'api-key' }, authMode: 'secure' });
      const client = await authenticated(app.port, ALICE_KEY);
      expect(await client.next()).toEqual({ event: 'session', data: res.body });
      client.send({ event: 'notes' });
      expect(await client.next()).toEqual({ event: 'notes', data: { owner: 'alice', echo: null } });
      await client.close();
    });

    it("answers Gatehouse's 401s with the verifier's reason", async () => {
      await expect401(app.url, undefined, 'token_missing', 'Missing bearer token', '/session');
      await expect401(app.url, BAD_KEY, 'token_malformed', 'Unknown API key', '/session');
    });

    it('turns the 4th bad key within the window into 429, yet still accepts a valid key', async () => {
      // One bad key was counted above; two more reach the limit of 3.
      for (let i = 0; i < 2; i++) expect((await get('/session', BAD_KEY)).status).toBe(401);
      const limited = await get('/session', BAD_KEY);
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', reason: 'rate_limited' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const valid = await get('/session', ALICE_KEY);
      expect(valid.status).toBe(200);
      expect(valid.body).toMatchObject({ sub: 'alice' });
    });

    it('counts the attempts in /metrics', async () => {
      const res = await get('/metrics');
      expect(res.status).toBe(200);
      const auth = (labels: Record<string, string>) => sample(res.text, 'gatehouse_auth_total', labels);
      expect(auth({ transport: 'http', outcome: 'rejected', reason: 'token_malformed' })).toBe(3);
      expect(auth({ transport: 'http', outcome: 'rejected', reason: 'token_missing' })).toBe(1);
      expect(auth({ transport: 'http', outcome: 'rate_limited' })).toBe(1);
      expect(auth({ transport: 'http', outcome: 'accepted' })).toBe(2);
      expect(auth({ transport: 'ws', outcome: 'accepted' })).toBe(1);
    });
  });
});

describe('a blank `nest new` app (Express) that follows the docs', () => {
  let workspace: string;
  let appDir: string;
  let typeCheck: Run;
  let e2e: Run;

  beforeAll(async () => {
    assertBuilt();
    workspace = mkdtempSync(join(tmpdir(), 'gatehouse-express-'));
    const { tarball } = await pack(workspace);
    appDir = join(workspace, 'app');
    cpSync(EXPRESS_FIXTURE, appDir, { recursive: true });
    await mustRun(
      'npm install',
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, ...locked(EXPRESS_PACKAGES)],
      appDir,
      400_000,
    );
    const tsc = join(appDir, 'node_modules/typescript/bin/tsc');
    typeCheck = await run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], appDir, 120_000);
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], appDir, 120_000);
    e2e = await run(process.execPath, ['--test', 'dist/test/*.e2e-spec.js'], appDir, 120_000);
  }, 900_000);

  afterAll(() => {
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('type-checks with its own tsc', () => {
    expect(typeCheck.output).toBe('');
    expect(typeCheck.code).toBe(0);
  });

  it('passes its own supertest e2e test: a guarded route, a scope, a guarded gateway and two issuers', () => {
    expect(e2e.output).toMatch(/# fail 0/);
    expect(e2e.output).toMatch(/# pass 8/);
    expect(e2e.code).toBe(0);
  });
});
