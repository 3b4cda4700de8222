import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { unsignedToken } from './support/tokens.js';
import { connect, type WsClient } from './support/ws-client.js';

// The real server process (src/main.ts through tsx): on SIGTERM / SIGINT every socket
// is closed with 1001 server_shutdown and the process exits with status 0 in time.

const root = fileURLToPath(new URL('..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startServer(): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, AUTH_MODE: 'insecure', PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume(); // drained, so a chatty child never blocks
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Ready once a socket can connect.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    try {
      const probe = await connect(port, unsignedToken({ sub: 'probe' }));
      await probe.close();
      return { child, port, exited };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  child.kill('SIGKILL');
  throw new Error('server did not start');
}

describe.each(['SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  it('closes every socket with 1001 server_shutdown and exits 0 within 10 s', async () => {
    const { child, port, exited } = await startServer();
    let clients: WsClient[] = [];
    try {
      const authenticated = await connect(port, unsignedToken({ sub: 'alice' }));
      await authenticated.next();
      const pending = await connect(port); // not authenticated yet
      clients = [authenticated, pending];
      const started = Date.now();
      child.kill(signal);
      for (const client of clients) expect(await client.closed).toEqual({ code: 1001, reason: 'server_shutdown' });
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      // Nothing listens any more.
      await expect(connect(port)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
