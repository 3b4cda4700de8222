import { Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayDisconnect,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { Manager, io } from 'socket.io-client';
import { CurrentSession, GatehouseIoAdapter, GatehouseModule, WsSessionGuard, type Session } from '../src/index.js';
import { SessionModule } from '../src/server/session/session.module.js';
import { IO_TRANSPORTS, IoClient, ioAuthenticated, ioRefused, type IoTransport } from './support/io-client.js';
import { now, unsignedToken } from './support/tokens.js';

// What a user does: their own Socket.IO gateway in a namespace, guarded by
// WsSessionGuard, with rooms chosen from the token's claims, installed with
// app.useWebSocketAdapter(new GatehouseIoAdapter(app)).

interface Say {
  readonly room: string;
  readonly text: string;
}

@WebSocketGateway({ namespace: '/chat' })
@UseGuards(WsSessionGuard)
class ChatGateway implements OnGatewayDisconnect {
  @WebSocketServer() server: Namespace;
  /** Server-side disconnect reasons, by sub (known once the socket called a handler). */
  readonly disconnects: { sub: string | undefined; reason: string }[] = [];
  private readonly subs = new Map<string, string>();

  /** Rooms a user may join are in the token: `rooms: [...]`. The reply goes to the ack. */
  @SubscribeMessage('join')
  join(@CurrentSession() session: Session, @ConnectedSocket() client: Socket, @MessageBody() room: string) {
    this.subs.set(client.id, session.sub);
    const allowed = Array.isArray(session.claims.rooms) && session.claims.rooms.includes(room);
    if (!allowed) return { error: 'not_allowed', room };
    void client.join(room);
    return { joined: room, by: session.sub };
  }

  @SubscribeMessage('say')
  say(@CurrentSession() session: Session, @ConnectedSocket() client: Socket, @MessageBody() body: Say) {
    if (!client.rooms.has(body.room)) return { error: 'not_in_room' };
    this.server.to(body.room).emit('said', { room: body.room, by: session.sub, text: body.text });
    return { ok: true };
  }

  /** Sends `count` chunks of `size` bytes, one every 2 ms, while the socket stays connected. */
  @SubscribeMessage('flood')
  flood(
    @CurrentSession() session: Session,
    @ConnectedSocket() client: Socket,
    @MessageBody() { count, size }: { count: number; size: number },
  ) {
    this.subs.set(client.id, session.sub);
    const chunk = 'x'.repeat(size);
    let sent = 0;
    const timer = setInterval(() => {
      if (!client.connected || sent >= count) return clearInterval(timer);
      client.emit('chunk', chunk);
      sent++;
    }, 2);
    return { started: true };
  }

  handleDisconnect(client: Socket, reason: string) {
    this.disconnects.push({ sub: this.subs.get(client.id), reason });
  }
}

// Namespaces made on demand (one per team), as Socket.IO's dynamic namespaces.
@WebSocketGateway({ namespace: /^\/team-[a-z]+$/ })
@UseGuards(WsSessionGuard)
class TeamGateway {
  @SubscribeMessage('hello')
  hello(@CurrentSession() session: Session, @ConnectedSocket() client: Socket) {
    return { event: 'hello', data: { sub: session.sub, team: client.nsp.name } };
  }
}

@Module({
  imports: [
    GatehouseModule.forRoot({
      mode: 'insecure',
      failureLimit: false,
      clockTolerance: 0,
      ws: { maxBufferedBytes: 262144, expiryNoticeSeconds: 0 },
    }),
    SessionModule,
  ],
  providers: [ChatGateway, TeamGateway],
})
class ChatAppModule {}

const token = (sub: string, extra: Record<string, unknown> = {}) => unsignedToken({ sub, ...extra });

describe('a user gateway on Socket.IO, guarded by WsSessionGuard', () => {
  let app: NestFastifyApplication;
  let url: string;
  let chat: ChatGateway;
  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ChatAppModule, new FastifyAdapter(), { logger: false });
    app.useWebSocketAdapter(new GatehouseIoAdapter(app));
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    chat = app.get(ChatGateway);
  });
  afterAll(() => app.close());

  const member = (sub: string, rooms: string[], transport: IoTransport, extra: Record<string, unknown> = {}) =>
    ioAuthenticated(url, { transport, namespace: '/chat', token: token(sub, { rooms, ...extra }) });

  describe.each(IO_TRANSPORTS)('over %s', (transport) => {
    it('rooms from claims: members hear each other, others do not; handlers get @CurrentSession()', async () => {
      const alice = await member('alice', ['ops'], transport);
      const bob = await member('bob', ['ops'], transport);
      const carol = await member('carol', ['sales'], transport);
      expect(await alice.socket.emitWithAck('join', 'ops')).toEqual({ joined: 'ops', by: 'alice' });
      expect(await bob.socket.emitWithAck('join', 'ops')).toEqual({ joined: 'ops', by: 'bob' });
      expect(await carol.socket.emitWithAck('join', 'ops')).toEqual({ error: 'not_allowed', room: 'ops' });
      expect(await alice.socket.emitWithAck('say', { room: 'ops', text: 'deploying' })).toEqual({ ok: true });
      const said = { event: 'said', data: { room: 'ops', by: 'alice', text: 'deploying' } };
      expect(await bob.next()).toEqual(said);
      expect(await alice.next()).toEqual(said);
      expect(await carol.socket.emitWithAck('say', { room: 'ops', text: 'let me in' })).toEqual({ error: 'not_in_room' });
      expect(carol.events.map((e) => e.event)).toEqual(['session']);
      for (const client of [alice, bob, carol]) client.close();
    });

    it('a namespace handshake without a token is refused like the main one', async () => {
      expect((await ioRefused(url, { transport, namespace: '/chat' })).data).toEqual({
        reason: 'token_missing',
        message: 'Missing bearer token',
      });
    });

    it('dynamic namespaces (created on demand) are authenticated too', async () => {
      expect((await ioRefused(url, { transport, namespace: '/team-red' })).data.reason).toBe('token_missing');
      const client = await ioAuthenticated(url, { transport, namespace: '/team-red', token: token('dora') });
      client.emit('hello');
      expect(await client.next()).toEqual({ event: 'hello', data: { sub: 'dora', team: '/team-red' } });
      client.close();
    });

    it('at expiry the member is disconnected and leaves its rooms; the room goes on', async () => {
      const brief = await member(`erin-${transport}`, ['ops'], transport, { exp: now() + 2 });
      const stays = await member(`fred-${transport}`, ['ops'], transport);
      await brief.socket.emitWithAck('join', 'ops');
      await stays.socket.emitWithAck('join', 'ops');
      expect(await brief.next(4000)).toMatchObject({ event: 'session_expiring' });
      expect(await brief.next(4000)).toEqual({ event: 'error', data: { reason: 'token_expired', message: 'Expired token' } });
      expect(await brief.disconnected).toBe('io server disconnect');
      expect(chat.disconnects).toContainEqual({ sub: `erin-${transport}`, reason: 'server namespace disconnect' });
      expect(await stays.socket.emitWithAck('say', { room: 'ops', text: 'still here' })).toEqual({ ok: true });
      expect(await stays.next()).toMatchObject({ event: 'said', data: { by: `fred-${transport}` } });
      expect(chat.server.adapter.rooms.get('ops')?.size).toBe(1);
      stays.close();
    });

    it('a client that stops reading is dropped past ws.maxBufferedBytes; a reading one gets everything', async () => {
      const slow = await member(`slow-${transport}`, [], transport);
      const reader = await member(`reader-${transport}`, [], transport);
      slow.emit('flood', { count: 2000, size: 65536 }); // no ack: it could not be read
      // Then stop reading: no more polls (once the poll under way completes), or a
      // paused TCP socket under the WebSocket.
      const engine = slow.socket.io.engine as unknown as {
        transport: { pause?(fn: () => void): void; ws?: { _socket: { pause(): void } } };
      };
      if (transport === 'polling') engine.transport.pause!(() => {});
      else engine.transport.ws!._socket.pause();
      const got = new Promise<number>((resolve) => {
        let chunks = 0;
        reader.socket.on('chunk', () => ++chunks === 64 && resolve(chunks));
      });
      await reader.socket.emitWithAck('flood', { count: 64, size: 16384 }); // 1 MiB in all, read as it comes
      expect(await got).toBe(64);
      const sub = `slow-${transport}`;
      await vi.waitFor(() => expect(chat.disconnects.find((d) => d.sub === sub)).toBeDefined(), { timeout: 10_000 });
      expect(reader.socket.connected).toBe(true);
      reader.close();
      slow.close();
    });
  });

  it('several namespaces on one connection: a session each; a refusal closes the connection, so all of them', async () => {
    const manager = new Manager(url, { transports: ['websocket'], reconnection: false, autoConnect: false });
    const main = new IoClient(manager.socket('/', { auth: { token: token('gus') } }));
    const room = new IoClient(manager.socket('/chat', { auth: { token: token('gus') } }));
    main.socket.connect();
    room.socket.connect();
    expect(await main.next()).toMatchObject({ event: 'session', data: { sub: 'gus' } });
    expect(await room.next()).toMatchObject({ event: 'session', data: { sub: 'gus' } });
    room.auth(token('mallory'));
    expect(await room.next()).toMatchObject({ event: 'error', data: { reason: 'sub_mismatch' } });
    expect(await room.disconnected).toBe('io server disconnect');
    expect(await main.disconnected).toBe('io server disconnect');
  });

  it('the default client (long-polling, then upgraded to WebSocket) keeps its session across the upgrade', async () => {
    const client = new IoClient(
      io(`${url}/chat`, { forceNew: true, reconnection: false, auth: { token: token('hal', { rooms: ['ops'] }) } }),
    );
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'hal' } });
    await vi.waitFor(() => expect(client.socket.io.engine.transport.name).toBe('websocket'));
    expect(await client.socket.emitWithAck('join', 'ops')).toEqual({ joined: 'ops', by: 'hal' });
    client.close();
  });

  it('an auth callback gives a fresh token on every connect: reconnecting after expiry is one call', async () => {
    let issued = 0;
    const socket = io(`${url}/chat`, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: (cb) => cb({ token: token('ida', { exp: now() + 2, n: ++issued }) }),
    });
    const client = new IoClient(socket);
    expect(await client.next()).toMatchObject({ event: 'session', data: { claims: { n: 1 } } });
    expect(await client.next(4000)).toMatchObject({ event: 'session_expiring' });
    expect(await client.next(4000)).toMatchObject({ event: 'error', data: { reason: 'token_expired' } });
    expect(await client.disconnected).toBe('io server disconnect');
    socket.connect();
    await vi.waitFor(() => expect(client.events.at(-1)).toMatchObject({ event: 'session', data: { claims: { n: 2 } } }));
    socket.close();
  });
});
