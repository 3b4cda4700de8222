import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { IoClient, ioSocket, type IoTransport } from './support/io-client.js';
import { now, unsignedToken } from './support/tokens.js';

// 1,000 Socket.IO clients (half long-polling, half WebSocket) with short-lived tokens:
// every one is authenticated, and every one is closed at its expiry (error
// token_expired, then the disconnect), never before; the server holds nothing after.

const SOCKETS = 1000;

describe('1,000 authenticated Socket.IO sockets, closed at expiry', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({
      AUTH_MODE: 'insecure',
      WS_TRANSPORT: 'socket.io',
      AUTH_JWT_CLOCK_TOLERANCE: '0',
      WS_EXPIRY_NOTICE_SECONDS: '0',
      WS_MAX_SOCKETS_PER_SUB: String(SOCKETS),
    });
  });
  afterAll(() => running.app.close());

  const metric = async (name: string): Promise<number> => {
    const text = (await request(running.url).get('/metrics')).text;
    return Number(
      text
        .split('\n')
        .find((line) => line.startsWith(name))
        ?.split(' ')
        .pop(),
    );
  };

  it('all connect with a session, all are closed at exp', async () => {
    // Enough time to connect them all on a busy 2-core machine; each learns its exp from its session.
    const exp = now() + 20;
    const clients: IoClient[] = [];
    for (let batch = 0; batch < SOCKETS / 100; batch++) {
      const started = Array.from({ length: 100 }, (_, i) => {
        const n = batch * 100 + i;
        const transport: IoTransport = n % 2 === 0 ? 'polling' : 'websocket';
        const client = new IoClient(ioSocket(running.url, { transport, token: unsignedToken({ sub: `user-${n % 10}`, exp, n }) }));
        clients.push(client);
        return client.next(20_000);
      });
      for (const first of await Promise.all(started)) expect(first).toMatchObject({ event: 'session', data: { expiresAt: exp } });
    }
    expect(now()).toBeLessThan(exp); // all connected before any expired
    expect(await metric('gatehouse_ws_authenticated_sessions')).toBe(SOCKETS);

    const reasons = await Promise.all(clients.map((client) => client.disconnected));
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(new Set(reasons)).toEqual(new Set(['io server disconnect']));
    for (const client of clients) {
      expect(client.events.slice(-2)).toEqual([
        { event: 'error', data: { reason: 'token_expired', message: 'Expired token' } },
        { event: 'disconnect', data: 'io server disconnect' },
      ]);
      client.close();
    }
    await vi.waitFor(async () => expect(await metric('gatehouse_ws_open_sockets')).toBe(0), { timeout: 10_000 });
    expect(await metric('gatehouse_ws_authenticated_sessions')).toBe(0);
    expect(await metric('gatehouse_ws_expiry_closes_total')).toBe(SOCKETS);
  }, 90_000);
});
