import { startApp, type RunningApp } from './support/app.js';
import { ADMIN_KEY, revoke, tokenOf } from './support/admin.js';
import { IO_TRANSPORTS, ioAuthenticated, ioRefused } from './support/io-client.js';
import { tempDir } from './support/server-process.js';

// Revocation over Socket.IO (docs/protocol.md §11, §12): the same refusals as over the
// raw WebSocket, as Socket.IO says them: connect_error at the handshake, `error` then
// disconnect for a live session.

describe.each(IO_TRANSPORTS)('revocation over Socket.IO (%s)', (transport) => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', WS_TRANSPORT: 'socket.io', ADMIN_API_KEY: ADMIN_KEY, GATEHOUSE_DATA_DIR: tempDir() });
  });
  afterAll(() => server.app.close());

  it('a revoked token is refused at the handshake: connect_error token_revoked', async () => {
    const token = tokenOf(`io-a-${transport}`);
    await revoke(server.url, { sub: `io-a-${transport}` });
    const refusal = await ioRefused(server.url, { transport, token });
    expect(refusal.data).toEqual({ reason: 'token_revoked', message: 'Token has been revoked' });
  });

  it('a live session whose token is revoked: error token_revoked, then disconnect, within 1 s', async () => {
    const client = await ioAuthenticated(server.url, { transport, token: tokenOf(`io-b-${transport}`) });
    const started = performance.now();
    await revoke(server.url, { sub: `io-b-${transport}` });
    expect(await client.next(1000)).toEqual({ event: 'error', data: { reason: 'token_revoked', message: 'Token has been revoked' } });
    expect(await client.disconnected).toBe('io server disconnect');
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
