import { Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ConnectedSocket, SubscribeMessage, WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import {
  GatehouseIoAdapter,
  GatehouseModule,
  GatehouseWsAdapter,
  sessionOf,
  type OnGatewayAuthenticated,
  type Session,
} from '../src/index.js';
import { ioAuthenticated, ioConnect } from './support/io-client.js';
import { unsignedToken } from './support/tokens.js';
import { connect } from './support/ws-client.js';

// Gateways in a host app (docs/protocol.md §14): sessionOf(client), handleAuthenticated
// on first authentication and on each refresh, whoami answered without any gateway of
// Gatehouse's, on both adapters; and an app whose gateways no Gatehouse adapter serves
// does not start.

interface RoomClaims {
  readonly rooms: readonly string[];
}

const token = (sub: string, rooms: string[], exp?: number) => unsignedToken({ sub, rooms, ...(exp === undefined ? {} : { exp }) });

/** What a gateway saw: each handleAuthenticated, and sessionOf() in handleConnection and in a handler. */
class Witness implements OnGatewayAuthenticated<object, RoomClaims>, OnGatewayConnection {
  readonly authenticated: { client: object; session: Session<RoomClaims> }[] = [];
  readonly atConnection: (Session<RoomClaims> | undefined)[] = [];

  handleAuthenticated(client: object, session: Session<RoomClaims>): void {
    this.authenticated.push({ client, session });
  }

  handleConnection(client: object): void {
    this.atConnection.push(sessionOf<RoomClaims>(client));
  }

  @SubscribeMessage('rooms')
  rooms(@ConnectedSocket() client: object) {
    return { event: 'rooms', data: sessionOf<RoomClaims>(client)?.claims.rooms ?? null };
  }
}

@WebSocketGateway()
class RawGateway extends Witness {}

/** A second gateway on the same path hears of the same sessions. */
@WebSocketGateway()
class OtherRawGateway implements OnGatewayAuthenticated {
  readonly subs: string[] = [];
  handleAuthenticated(_client: unknown, session: Session): void {
    this.subs.push(session.sub);
  }
}

@WebSocketGateway({ namespace: '/chat' })
class ChatGateway extends Witness {}

/** Another namespace: its hook never hears of /chat's sockets. */
@WebSocketGateway({ namespace: /^\/team-[a-z]+$/ })
class TeamGateway extends Witness {}

async function start(providers: Function[], adapter: 'ws' | 'io' | 'none'): Promise<{ app: NestFastifyApplication; port: number }> {
  @Module({
    imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false, clockTolerance: 0 })],
    providers: providers as never,
  })
  class HostModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  if (adapter === 'ws') app.useWebSocketAdapter(new GatehouseWsAdapter(app));
  if (adapter === 'io') app.useWebSocketAdapter(new GatehouseIoAdapter(app));
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as { port: number }).port };
}

const later = () => Math.floor(Date.now() / 1000) + 3600;

describe('gateways on GatehouseWsAdapter', () => {
  let app: NestFastifyApplication;
  let port: number;
  beforeAll(async () => ({ app, port } = await start([RawGateway, OtherRawGateway], 'ws')));
  afterAll(() => app.close());

  it('upgrade header: handleAuthenticated (before handleConnection, which already has the session), sessionOf in handlers', async () => {
    const gateway = app.get(RawGateway);
    const client = await connect(port, token('alice', ['ops']));
    expect(await client.next()).toMatchObject({ event: 'session' });
    expect(gateway.authenticated.map((seen) => seen.session.claims.rooms)).toEqual([['ops']]);
    expect(gateway.atConnection.at(-1)?.sub).toBe('alice');
    client.send({ event: 'rooms' });
    expect(await client.next()).toEqual({ event: 'rooms', data: ['ops'] });
    expect(app.get(OtherRawGateway).subs).toContain('alice');
    await client.close();
  });

  it('first frame: undefined at connection, then the session; a refresh calls it again with the new session', async () => {
    const gateway = app.get(RawGateway);
    gateway.authenticated.length = 0;
    const client = await connect(port);
    await vi.waitFor(() => expect(gateway.atConnection.at(-1)).toBeUndefined());
    client.auth(token('bob', ['a'], later()));
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'bob' } });
    client.auth(token('bob', ['a', 'b'], later() + 60));
    expect(await client.next()).toMatchObject({ event: 'session', data: { claims: { rooms: ['a', 'b'] } } });
    expect(gateway.authenticated.map((seen) => seen.session.claims.rooms)).toEqual([['a'], ['a', 'b']]);
    // The client is the socket handlers receive: sessionOf() on it gives the newest session.
    expect(sessionOf<RoomClaims>(gateway.authenticated[1].client)?.claims.rooms).toEqual(['a', 'b']);
    client.send({ event: 'rooms' });
    expect(await client.next()).toEqual({ event: 'rooms', data: ['a', 'b'] });
    await client.close();
  });

  it('whoami is answered with the session in a host app (no gateway of Gatehouse handles it)', async () => {
    const client = await connect(port, token('carol', []));
    await client.next();
    client.send({ event: 'whoami' });
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'carol' } });
    await client.close();
  });

  it('sessionOf is undefined for anything that is not an authenticated client', () => {
    expect(sessionOf({})).toBeUndefined();
    expect(sessionOf(null)).toBeUndefined();
    expect(sessionOf('alice')).toBeUndefined();
  });
});

describe('gateways on GatehouseIoAdapter', () => {
  let app: NestFastifyApplication;
  let url: string;
  beforeAll(async () => {
    const started = await start([ChatGateway, TeamGateway], 'io');
    app = started.app;
    url = `http://127.0.0.1:${started.port}`;
  });
  afterAll(() => app.close());

  it('the handshake: handleAuthenticated on the namespace gateway only; refresh calls it again; sessionOf in handlers', async () => {
    const chat = app.get(ChatGateway);
    const team = app.get(TeamGateway);
    const client = await ioAuthenticated(url, { transport: 'websocket', namespace: '/chat', token: token('dana', ['x'], later()) });
    expect(chat.authenticated.map((seen) => seen.session.sub)).toEqual(['dana']);
    expect(chat.atConnection.at(-1)?.sub).toBe('dana');
    client.emit('rooms');
    expect(await client.next()).toEqual({ event: 'rooms', data: ['x'] });
    client.auth(token('dana', ['x', 'y'], later() + 60));
    expect(await client.next()).toMatchObject({ event: 'session', data: { claims: { rooms: ['x', 'y'] } } });
    expect(chat.authenticated.map((seen) => seen.session.claims.rooms)).toEqual([['x'], ['x', 'y']]);
    expect(team.authenticated).toEqual([]);
    client.close();
  });

  it('a dynamic namespace: its gateway hears of it', async () => {
    const team = app.get(TeamGateway);
    const client = await ioAuthenticated(url, { transport: 'polling', namespace: '/team-red', token: token('erin', []) });
    expect(team.authenticated.map((seen) => seen.session.sub)).toEqual(['erin']);
    client.close();
  });

  it('whoami is answered with the session', async () => {
    const client = await ioConnect(url, { transport: 'websocket', namespace: '/chat', token: token('fay', []) });
    expect(await client.next()).toMatchObject({ event: 'session' });
    client.emit('whoami');
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'fay' } });
    client.close();
  });
});

describe('no unauthenticated sockets', () => {
  it('gateways without a Gatehouse adapter: the app stops at startup, naming both adapters', async () => {
    await expect(start([RawGateway], 'none')).rejects.toThrow(/RawGateway.*GatehouseWsAdapter.*GatehouseIoAdapter/);
  });
});
