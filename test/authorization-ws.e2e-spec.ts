import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import {
  Authorize,
  AuthorizeChannel,
  GatehouseIoAdapter,
  GatehouseModule,
  GatehouseWsAdapter,
  RequireRoles,
  RequireScopes,
  channelAllowed,
  rightsOf,
  type OnGatewayAuthenticated,
  type Session,
} from '../src/index.js';
import { startHostApp, type HostApp } from './support/host-app.js';
import { ioAuthenticated } from './support/io-client.js';
import { unsignedToken } from './support/tokens.js';
import { connect, type WsClient } from './support/ws-client.js';

// Authorization on gateway handlers (docs/protocol.md §15), raw WebSocket and Socket.IO:
// the same decorators as REST, judged by the adapters before the handler runs; a refusal
// leaves the socket open; a refresh changes the rights of the next message; Socket.IO
// rooms joined through @AuthorizeChannel are left when a refresh takes the channel away.

const later = (extra = 0) => Math.floor(Date.now() / 1000) + 3600 + extra;
const token = (claims: object, extra = 0) => unsignedToken({ sub: 'alice', exp: later(extra), ...claims });

/** Every handler reports that it ran: a refused message must not reach it. */
const ran: string[] = [];

@RequireScopes('chat')
class ChatHandlers {
  @SubscribeMessage('read')
  read() {
    ran.push('read');
    return { event: 'read', data: 'ok' };
  }

  @RequireScopes('chat:write')
  @SubscribeMessage('write')
  write() {
    ran.push('write');
    return { event: 'written', data: 'ok' };
  }

  @RequireRoles('moderator', 'admin')
  @SubscribeMessage('kick')
  kick() {
    ran.push('kick');
    return { event: 'kicked', data: 'ok' };
  }

  @Authorize((session: Session, data: { owner?: string }) => data?.owner === session.sub)
  @SubscribeMessage('edit')
  edit() {
    ran.push('edit');
    return { event: 'edited', data: 'ok' };
  }

  @Authorize(async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    throw new Error('policy store down');
  })
  @SubscribeMessage('broken')
  broken() {
    ran.push('broken');
    return { event: 'broken', data: 'ran' };
  }
}

/** A raw gateway keeps its own subscriptions and checks them on every new session. */
@WebSocketGateway()
class RawChatGateway extends ChatHandlers implements OnGatewayAuthenticated {
  readonly channelsSeen: (readonly string[])[] = [];

  handleAuthenticated(_client: unknown, session: Session): void {
    const { channels } = rightsOf(session);
    this.channelsSeen.push(channels);
    if (!channelAllowed(channels, 'room:lobby')) this.channelsSeen.push(['left room:lobby']);
  }
}

@WebSocketGateway()
class IoChatGateway extends ChatHandlers {
  @AuthorizeChannel((data: { room: string }) => data.room)
  @SubscribeMessage('join')
  join(@ConnectedSocket() client: Socket, @MessageBody() data: { room: string }) {
    void client.join(data.room);
    return { event: 'joined', data: data.room };
  }

  @SubscribeMessage('rooms')
  rooms(@ConnectedSocket() client: Socket) {
    return { event: 'rooms', data: [...client.rooms].filter((room) => room !== client.id).sort() };
  }
}

async function start(gateway: Function | Function[], adapter: 'ws' | 'io'): Promise<HostApp> {
  @Module({ imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false })], providers: [gateway].flat() as never[] })
  class HostModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
  return startHostApp(moduleRef, 'fastify', (app) =>
    app.useWebSocketAdapter(adapter === 'ws' ? new GatehouseWsAdapter(app) : new GatehouseIoAdapter(app)),
  );
}

describe('gateway authorization on GatehouseWsAdapter', () => {
  let host: HostApp;
  beforeAll(async () => (host = await start(RawChatGateway, 'ws')));
  afterAll(() => host.app.close());

  async function authenticated(claims: object): Promise<WsClient> {
    const client = await connect(host.port, token(claims));
    expect(await client.next()).toMatchObject({ event: 'session' });
    return client;
  }

  it('runs a handler whose requirements pass; refuses one that lacks a scope with an error naming the event, socket open', async () => {
    ran.length = 0;
    const client = await authenticated({ scope: 'chat' });
    client.send({ event: 'read' });
    expect(await client.next()).toEqual({ event: 'read', data: 'ok' });
    client.send({ event: 'write', data: {} });
    expect(await client.next()).toEqual({
      event: 'error',
      data: { reason: 'insufficient_scope', message: 'Token lacks the required scope', refused: 'write' },
    });
    // still open and served
    client.send({ event: 'read' });
    expect(await client.next()).toEqual({ event: 'read', data: 'ok' });
    expect(ran).toEqual(['read', 'read']);
    await client.close();
  });

  it('roles (any one), a policy with the message data, and a class requirement on every handler', async () => {
    const client = await authenticated({ scope: 'chat', roles: ['viewer'] });
    client.send({ event: 'kick' });
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'forbidden', message: 'Not allowed', refused: 'kick' } });
    client.send({ event: 'edit', data: { owner: 'bob' } });
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'forbidden', refused: 'edit' } });
    client.send({ event: 'edit', data: { owner: 'alice' } });
    expect(await client.next()).toEqual({ event: 'edited', data: 'ok' });
    await client.close();
    const outsider = await authenticated({ roles: ['admin'] });
    outsider.send({ event: 'kick' });
    expect(await outsider.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope', refused: 'kick' } });
    await outsider.close();
  });

  it('claims of the wrong type grant nothing', async () => {
    const client = await authenticated({ scope: ['chat'], roles: { admin: true } });
    client.send({ event: 'read' });
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope' } });
    await client.close();
  });

  it('a policy that throws: error auth_unavailable, the handler does not run, the socket stays open', async () => {
    ran.length = 0;
    const client = await authenticated({ scope: 'chat' });
    client.send({ event: 'broken' });
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'auth_unavailable', refused: 'broken' } });
    client.send({ event: 'read' });
    expect(await client.next()).toEqual({ event: 'read', data: 'ok' });
    expect(ran).toEqual(['read']);
    await client.close();
  });

  it('raw gateways read the rights of each new session in handleAuthenticated (rightsOf, channelAllowed)', async () => {
    const gateway = host.app.get(RawChatGateway);
    gateway.channelsSeen.length = 0;
    const client = await authenticated({ scope: 'chat', channels: ['room:lobby', 'team:*'] });
    client.auth(token({ scope: 'chat', channels: ['team:*'] }, 60));
    expect(await client.next()).toMatchObject({ event: 'session' });
    expect(gateway.channelsSeen).toEqual([['room:lobby', 'team:*'], ['team:*'], ['left room:lobby']]);
    await client.close();
  });

  it('a refresh widens and narrows the rights of the next message, on the live socket', async () => {
    const client = await authenticated({ scope: 'chat' });
    client.send({ event: 'write' });
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope' } });
    client.auth(token({ scope: 'chat chat:write' }, 60));
    expect(await client.next()).toMatchObject({ event: 'session' });
    client.send({ event: 'write' });
    expect(await client.next()).toEqual({ event: 'written', data: 'ok' });
    client.auth(token({ scope: 'chat' }, 120));
    expect(await client.next()).toMatchObject({ event: 'session' });
    client.send({ event: 'write' });
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope', refused: 'write' } });
    await client.close();
  });
});

describe('gateway authorization on GatehouseIoAdapter', () => {
  let host: HostApp;
  beforeAll(async () => (host = await start(IoChatGateway, 'io')));
  afterAll(() => host.app.close());

  const io = (claims: object) => ioAuthenticated(host.url, { transport: 'websocket', token: token(claims) });

  it('refuses with the error event, or in the acknowledgement when the client asked for one', async () => {
    const client = await io({ scope: 'chat' });
    client.emit('write', {});
    expect(await client.next()).toEqual({
      event: 'error',
      data: { reason: 'insufficient_scope', message: 'Token lacks the required scope', refused: 'write' },
    });
    const acked = await client.socket.timeout(2000).emitWithAck('write', {});
    expect(acked).toEqual({ error: { reason: 'insufficient_scope', message: 'Token lacks the required scope' } });
    client.emit('read');
    expect(await client.next()).toEqual({ event: 'read', data: 'ok' });
    expect(client.socket.connected).toBe(true);
    client.close();
  });

  it('a refresh narrows rights: the next message is refused', async () => {
    const client = await io({ scope: 'chat chat:write' });
    client.emit('write');
    expect(await client.next()).toEqual({ event: 'written', data: 'ok' });
    client.auth(token({ scope: 'chat' }, 60));
    expect(await client.next()).toMatchObject({ event: 'session' });
    client.emit('write');
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope' } });
    client.close();
  });

  it('@AuthorizeChannel: a room the token matches is joined; others are refused', async () => {
    const client = await io({ scope: 'chat', channels: ['room:lobby', 'team:42:*'] });
    client.emit('join', { room: 'room:lobby' });
    expect(await client.next()).toEqual({ event: 'joined', data: 'room:lobby' });
    client.emit('join', { room: 'team:42:ops' });
    expect(await client.next()).toEqual({ event: 'joined', data: 'team:42:ops' });
    client.emit('join', { room: 'team:7:ops' });
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'forbidden', refused: 'join' } });
    client.emit('rooms');
    expect(await client.next()).toEqual({ event: 'rooms', data: ['room:lobby', 'team:42:ops'] });
    client.close();
  });

  it('a refresh with fewer channels leaves the rooms it no longer allows, with channel_revoked', async () => {
    const client = await io({ scope: 'chat', channels: ['room:lobby', 'team:42:*'] });
    for (const room of ['room:lobby', 'team:42:ops', 'team:42:dev']) {
      client.emit('join', { room });
      expect(await client.next()).toEqual({ event: 'joined', data: room });
    }
    client.auth(token({ scope: 'chat', channels: ['room:lobby'] }, 60));
    const events = [await client.next(), await client.next(), await client.next()];
    expect(events[0]).toMatchObject({ event: 'session' });
    expect(events.slice(1)).toEqual(
      expect.arrayContaining([
        { event: 'channel_revoked', data: { channel: 'team:42:ops' } },
        { event: 'channel_revoked', data: { channel: 'team:42:dev' } },
      ]),
    );
    client.emit('rooms');
    expect(await client.next()).toEqual({ event: 'rooms', data: ['room:lobby'] });
    client.close();
  });
});

/** Socket.IO matches a RegExp namespace (one gateway, many namespaces): its handlers' requirements hold on each. */
@WebSocketGateway({ namespace: /^\/team-[a-z]+$/ })
class TeamChatGateway extends ChatHandlers {}

describe('gateway authorization on a RegExp namespace (GatehouseIoAdapter)', () => {
  let host: HostApp;
  beforeAll(async () => (host = await start(TeamChatGateway, 'io')));
  afterAll(() => host.app.close());

  it('judges every handler on each namespace the RegExp matches', async () => {
    for (const namespace of ['/team-red', '/team-blue']) {
      ran.length = 0;
      const client = await ioAuthenticated(host.url, { transport: 'websocket', namespace, token: token({ scope: 'chat' }) });
      client.emit('write', {});
      expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope', refused: 'write' } });
      client.emit('read');
      expect(await client.next()).toEqual({ event: 'read', data: 'ok' });
      expect(ran).toEqual(['read']);
      client.close();
      const reader = await ioAuthenticated(host.url, { transport: 'websocket', namespace, token: token({}) });
      reader.emit('read');
      expect(await reader.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope', refused: 'read' } });
      reader.close();
    }
  });
});

/**
 * Two gateways on the raw adapter's one path, both handling `note` (a `namespace` option,
 * which only Socket.IO reads, keeps the startup check from seeing them as one namespace):
 * each handler runs on a message, so each one's requirements hold.
 */
@WebSocketGateway({ namespace: 'notes' })
class OpenNotesGateway {
  @SubscribeMessage('note')
  note() {
    ran.push('open note');
  }
}

@WebSocketGateway()
class GuardedNotesGateway {
  @RequireScopes('notes:write')
  @SubscribeMessage('note')
  note() {
    ran.push('guarded note');
    return { event: 'noted', data: 'ok' };
  }
}

describe('one event handled by two raw gateways', () => {
  let host: HostApp;
  beforeAll(async () => (host = await start([OpenNotesGateway, GuardedNotesGateway], 'ws')));
  afterAll(() => host.app.close());

  it('needs the requirements of both handlers, whichever gateway Nest found first', async () => {
    ran.length = 0;
    const reader = await connect(host.port, token({}));
    expect(await reader.next()).toMatchObject({ event: 'session' });
    reader.send({ event: 'note', data: {} });
    expect(await reader.next()).toMatchObject({ event: 'error', data: { reason: 'insufficient_scope', refused: 'note' } });
    expect(ran).toEqual([]);
    await reader.close();
    const writer = await connect(host.port, token({ scope: 'notes:write' }));
    expect(await writer.next()).toMatchObject({ event: 'session' });
    writer.send({ event: 'note', data: {} });
    expect(await writer.next()).toEqual({ event: 'noted', data: 'ok' });
    expect(ran.sort()).toEqual(['guarded note', 'open note']);
    await writer.close();
  });
});
