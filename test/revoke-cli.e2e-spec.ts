import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ENV_VARIABLES } from '../src/server/config/server-settings.js';
import { startApp, type RunningApp } from './support/app.js';
import { ADMIN_KEY, sessionStatus, tokenOf } from './support/admin.js';
import { freePort, tempDir } from './support/server-process.js';
import { now } from './support/tokens.js';

// `npm run -s token -- revoke` as an operator runs it against a running server
// (docs/protocol.md §11): the admin API under the hood, the key from ADMIN_API_KEY.

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(ENV_VARIABLES)) env[name] = '';
  return { ...env, ...extra };
}

const revoke = (args: string[], key = ADMIN_KEY) =>
  run('npm', ['run', '-s', 'token', '--', 'revoke', ...args], { cwd: root, env: cliEnv({ ADMIN_API_KEY: key }) }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe('npm run -s token -- revoke', { timeout: 60_000 }, () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', ADMIN_API_KEY: ADMIN_KEY, GATEHOUSE_DATA_DIR: tempDir() });
  });
  afterAll(() => server.app.close());

  it("--sub: prints the stored entry; the user's tokens are refused", async () => {
    const token = tokenOf('alice');
    const result = await revoke(['--sub', 'alice', '--url', server.url]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({ sub: 'alice', before: expect.any(Number), id: expect.stringMatching(/^sub_/) });
    expect(await sessionStatus(server.url, token)).toEqual({ status: 401, reason: 'token_revoked' });
  });

  it('--jti with --exp, and --token (its jti and exp read from it)', async () => {
    const exp = now() + 600;
    expect((await revoke(['--jti', 'j-1', '--exp', String(exp), '--url', server.url])).code).toBe(0);
    expect(await sessionStatus(server.url, tokenOf('bob', { jti: 'j-1' }))).toEqual({ status: 401, reason: 'token_revoked' });
    const leaked = tokenOf('bob', { jti: 'j-2' });
    const result = await revoke(['--token', leaked, '--url', server.url]);
    expect(JSON.parse(result.stdout)).toMatchObject({ jti: 'j-2', exp: expect.any(Number) });
    expect(await sessionStatus(server.url, leaked)).toEqual({ status: 401, reason: 'token_revoked' });
  });

  it('says why when the server refuses the key (1), or cannot be reached (1)', async () => {
    const [refused, unreachable] = await Promise.all([
      revoke(['--sub', 'a', '--url', server.url], 'x'.repeat(40)),
      freePort().then((port) => revoke(['--sub', 'a', '--url', `http://127.0.0.1:${port}`])),
    ]);
    expect(refused).toMatchObject({
      code: 1,
      stderr: "revoke: the server answered 401: the admin key was refused (is ADMIN_API_KEY the server's?)\n",
    });
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringMatching(/^revoke: cannot reach http:\/\/127\.0\.0\.1:\d+/) });
  });

  it("prints a server's text without its control characters (a hostile or broken server cannot drive the terminal)", async () => {
    const hostile = createServer((request, response) => {
      const created = request.url === '/ok/admin/revocations';
      response.writeHead(created ? 201 : 400, { 'content-type': 'application/json' });
      response.end(
        created
          ? '{"sub":"alice\u001b[2J\u001b]0;owned\u0007\r\nrevoke: done"}'
          : JSON.stringify({ message: 'no\u001b[1A\u001b[2K\u009b31m' }),
      );
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    const { port } = hostile.address() as AddressInfo;
    try {
      const ok = await revoke(['--sub', 'alice', '--url', `http://127.0.0.1:${port}/ok`]);
      expect(ok).toMatchObject({ code: 0, stdout: '{"sub":"alice[2J]0;ownedrevoke: done"}\n' });
      const refused = await revoke(['--sub', 'alice', '--url', `http://127.0.0.1:${port}/no`]);
      expect(refused).toMatchObject({ code: 1, stderr: 'revoke: the server answered 400: no[1A[2K31m\n' });
    } finally {
      hostile.close();
    }
  });
});
