import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Socket } from 'socket.io';
import { AuthorizeChannel, GatehouseIoAdapter, GatehouseModule } from '../src/index.js';
import { startHostApp, type HostApp } from './support/host-app.js';
import { ioAuthenticated, type IoClient } from './support/io-client.js';
import { unsignedToken } from './support/tokens.js';

// 1,000 Socket.IO sockets in rooms joined through @AuthorizeChannel, all refreshing with a
// token that takes one room away (docs/protocol.md §15): every socket leaves that room
// with channel_revoked, keeps the other, and the event loop (server and clients share
// this process, so the clients' own work counts too) is never held for more than 50 ms.

const SOCKETS = 1000;
const later = (extra = 0) => Math.floor(Date.now() / 1000) + 3600 + extra;

@WebSocketGateway()
class RoomsGateway {
  @AuthorizeChannel((data: { room: string }) => data.room)
  @SubscribeMessage('join')
  join(@ConnectedSocket() client: Socket, @MessageBody() data: { room: string }) {
    void client.join(data.room);
    return { event: 'joined', data: data.room };
  }
}

describe(`${SOCKETS} sockets in rooms, re-checked on refresh`, () => {
  let host: HostApp;
  const clients: IoClient[] = [];
  beforeAll(async () => {
    @Module({
      imports: [
        GatehouseModule.forRoot({
          mode: 'insecure',
          failureLimit: false,
          ws: { maxSocketsPerSub: SOCKETS, maxPendingPerAddress: SOCKETS },
        }),
      ],
      providers: [RoomsGateway],
    })
    class HostModule {}
    const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
    host = await startHostApp(moduleRef, 'fastify', (app) => app.useWebSocketAdapter(new GatehouseIoAdapter(app)));
    const token = unsignedToken({ sub: 'crowd', exp: later(), channels: ['room:lobby', 'team:*'] });
    for (let start = 0; start < SOCKETS; start += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, SOCKETS - start) }, () => ioAuthenticated(host.url, { transport: 'websocket', token })),
      );
      clients.push(...batch);
    }
    for (const room of ['room:lobby', 'team:1']) {
      for (const client of clients) client.emit('join', { room });
      await Promise.all(clients.map((client) => client.next(20_000)));
    }
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await host.app.close();
  });

  it('each socket leaves the room it lost, keeps the other, and the event loop is never held 50 ms', async () => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const narrowed = unsignedToken({ sub: 'crowd', exp: later(60), channels: ['room:lobby'] });
    // The clients are separate machines in life: here they share the process, so they
    // send in slices of 50, one slice per turn of the loop, not all in one long turn.
    for (let start = 0; start < clients.length; start += 50) {
      for (const client of clients.slice(start, start + 50)) client.auth(narrowed);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seen = await Promise.all(clients.map(async (client) => [await client.next(30_000), await client.next(30_000)]));
    delay.disable();
    for (const [session, revoked] of seen) {
      expect(session.event).toBe('session');
      expect(revoked).toEqual({ event: 'channel_revoked', data: { channel: 'team:1' } });
    }
    const maxMs = delay.max / 1e6;
    console.log(
      `event loop delay during ${SOCKETS} refreshes: max ${maxMs.toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`,
    );
    expect(maxMs).toBeLessThan(50);
  }, 60_000);
});
