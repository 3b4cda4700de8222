import { startServer } from './support/server-process.js';
import { unsignedToken } from './support/tokens.js';
import { connect, type WsClient } from './support/ws-client.js';

// The real server process (`node dist/main.js`): on SIGTERM / SIGINT every socket is
// closed with 1001 server_shutdown and the process exits with status 0 in time.

describe.each(['SIGTERM', 'SIGINT'] as const)('%s', (signal) => {
  it('closes every socket with 1001 server_shutdown and exits 0 within 10 s', async () => {
    const { child, port, exited } = await startServer({ AUTH_MODE: 'insecure' });
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
