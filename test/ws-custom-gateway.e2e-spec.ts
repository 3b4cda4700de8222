import { Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CurrentSession, GatehouseModule, GatehouseWsAdapter, WsSessionGuard, type Session } from '../src/index.js';
import { SessionModule } from '../src/server/session/session.module.js';
import { unsignedToken } from './support/tokens.js';
import { connect } from './support/ws-client.js';

// What a user does: their own gateway on /ws, guarded by WsSessionGuard, reading the
// session with @CurrentSession().

@WebSocketGateway({ path: '/ws' })
@UseGuards(WsSessionGuard)
class NotesGateway {
  @SubscribeMessage('note')
  note(@CurrentSession() session: Session, @MessageBody() body: { text: string }) {
    return { event: 'note_saved', data: { by: session.sub, text: body.text } };
  }

  @SubscribeMessage('crash')
  crash(): never {
    throw new Error('handler bug');
  }
}

// A gateway that leaves the path out shares the same /ws server.
@WebSocketGateway()
@UseGuards(WsSessionGuard)
class CountGateway {
  @SubscribeMessage('count')
  async count(@MessageBody() data: number[]) {
    return { event: 'count', data: data.length };
  }
}

@Module({
  imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false }), SessionModule],
  providers: [NotesGateway, CountGateway],
})
class UserAppModule {}

describe('a user gateway guarded by WsSessionGuard', () => {
  let app: NestFastifyApplication;
  let port: number;
  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(UserAppModule, new FastifyAdapter(), { logger: false });
    app.useWebSocketAdapter(new GatehouseWsAdapter(app));
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('runs for an authenticated socket, with @CurrentSession()', async () => {
    const client = await connect(port, unsignedToken({ sub: 'alice' }));
    await client.next();
    client.send({ event: 'note', data: { text: 'hi' } });
    expect(await client.next()).toEqual({ event: 'note_saved', data: { by: 'alice', text: 'hi' } });
    client.send({ event: 'count', data: [1, 2, 3] });
    expect(await client.next()).toEqual({ event: 'count', data: 3 });
    client.send({ event: 'whoami' }); // Gatehouse's own gateway still answers
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice' } });
    await client.close();
  });

  it('is refused before authentication: auth_required, 4401', async () => {
    const client = await connect(port);
    client.send({ event: 'note', data: { text: 'hi' } });
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'auth_required' } });
    expect(await client.closed).toEqual({ code: 4401, reason: 'auth_required' });
    expect(client.frames.some((f) => f.event === 'note_saved')).toBe(false);
  });

  it('a handler that throws answers with an exception frame; the socket and others keep working', async () => {
    const client = await connect(port, unsignedToken({ sub: 'bob' }));
    const other = await connect(port, unsignedToken({ sub: 'carol' }));
    await client.next();
    await other.next();
    client.send({ event: 'crash' });
    expect(await client.next()).toMatchObject({ event: 'exception', data: { status: 'error' } });
    client.send({ event: 'note', data: { text: 'still here' } });
    expect(await client.next()).toMatchObject({ event: 'note_saved', data: { by: 'bob' } });
    other.send({ event: 'note', data: { text: 'me too' } });
    expect(await other.next()).toMatchObject({ event: 'note_saved', data: { by: 'carol' } });
    await Promise.all([client.close(), other.close()]);
  });
});
