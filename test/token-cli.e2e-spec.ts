import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { ENV_VARIABLES } from '../src/server/config/server-settings.js';
import { startApp, type RunningApp } from './support/app.js';

// `npm run -s token` exactly as the README runs it, against a server with the same settings.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const settings = { AUTH_JWT_ALG: 'HS384', AUTH_JWT_KEY: 's'.repeat(48), AUTH_JWT_NAMESPACE: '/app' };

/** The environment of the command: these settings, every other Gatehouse variable blank (so a .env never leaks in). */
function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(ENV_VARIABLES)) env[name] = '';
  return { ...env, ...settings };
}

describe('npm run -s token', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp(settings);
  });
  afterAll(() => server.app.close());

  it('prints one line: a token the server accepts', async () => {
    const { stdout, stderr } = await run('npm', ['run', '-s', 'token', '--', '--sub', 'alice', '--claims', '{"team":"red"}'], {
      cwd: root,
      env: cliEnv(),
    });
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), '']);
    const res = await request(server.url).get('/api/session').set('Authorization', `Bearer ${stdout.trim()}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sub: 'alice', claims: { sub: 'alice', team: 'red' } });
  });

  it('a bad option exits with status 2', async () => {
    const failure = await run('npm', ['run', '-s', 'token', '--', '--sub', 'a', '--exp', 'later'], { cwd: root, env: cliEnv() }).catch(
      (error) => error,
    );
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/--exp has invalid value/);
  });

  it('explain says why a token is refused', async () => {
    const failure = await run('npm', ['run', '-s', 'token', '--', 'explain', 'abc.def'], { cwd: root, env: cliEnv() }).catch(
      (error) => error,
    );
    expect(failure.code).toBe(1);
    expect(failure.stdout).toMatch(/^1\. shape +FAILED: token_malformed: Invalid token$/m);
  });
});
