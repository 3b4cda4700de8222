import { WebSocket } from 'ws';
import { runServer, startServer, stopServer } from './support/server-process.js';
import { IO_TRANSPORTS, ioAuthenticated, ioRefused } from './support/io-client.js';
import { unsignedToken } from './support/tokens.js';

// The server (`node dist/main.js`) with WS_TRANSPORT=socket.io: its own `whoami` over
// Socket.IO, raw /ws no longer served, and a clean stop on SIGTERM.

describe('the server with WS_TRANSPORT=socket.io', () => {
  it('serves the protocol over Socket.IO; on SIGTERM clients are disconnected and it exits 0 within 10 s', async () => {
    const server = await startServer({ AUTH_MODE: 'insecure', WS_TRANSPORT: 'socket.io' });
    try {
      const clients = await Promise.all(
        IO_TRANSPORTS.map((transport) => ioAuthenticated(server.url, { transport, token: unsignedToken({ sub: `alice-${transport}` }) })),
      );
      for (const client of clients) {
        client.emit('whoami');
        expect(await client.next()).toMatchObject({ event: 'session', data: { sub: expect.stringMatching(/^alice-/) } });
      }
      expect((await ioRefused(server.url, { transport: 'websocket' })).data.reason).toBe('token_missing');
      // The raw WebSocket endpoint is not there: the upgrade is not answered with a socket.
      const raw = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
      expect(await new Promise((resolve) => (raw.once('open', () => resolve('open')), raw.once('error', () => resolve('refused'))))).toBe(
        'refused',
      );

      const started = Date.now();
      server.child.kill('SIGTERM');
      // Not a refusal: the transport closes, and a real client would reconnect (to another instance) by itself.
      for (const client of clients) expect(await client.disconnected).toBe('transport close');
      expect(await server.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(server.output()).not.toMatch(/"level":(50|60)|ERROR/);
    } finally {
      if (server.child.exitCode === null) await stopServer(server);
    }
  }, 60_000);

  it('an unknown WS_TRANSPORT is a startup error naming the variable', async () => {
    const result = await runServer({ AUTH_MODE: 'insecure', WS_TRANSPORT: 'socketio' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('WS_TRANSPORT has invalid value: "socketio". Must be one of ["ws", "socket.io"]');
  });
});
