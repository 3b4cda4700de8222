import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { IoAdapter } from '@nestjs/platform-socket.io';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import { map, of } from 'rxjs';
import type { Socket } from 'socket.io';
import { GatehouseIoAdapter, GatehouseModule } from '../src/index.js';
import { IoClient, ioConnect } from './support/io-client.js';
import { unsignedToken } from './support/tokens.js';

// GatehouseIoAdapter runs the gateways' handlers itself (without Nest's per-socket rxjs
// streams): the same gateway must answer exactly as under Nest's own IoAdapter, for
// every kind of handler result, acknowledgements, errors and the app's own listeners.

@WebSocketGateway()
class EchoGateway implements OnGatewayConnection {
  handleConnection(client: Socket) {
    client.emit('hello');
    client.on('raw', (data: string, ack: (reply: string) => void) => ack(`raw:${data}`));
  }

  @SubscribeMessage('value')
  value(@MessageBody() data: unknown) {
    return data;
  }

  @SubscribeMessage('event')
  event(@MessageBody() data: unknown) {
    return { event: 'evt', data };
  }

  @SubscribeMessage('observable')
  observable() {
    return of(1, 2, 3).pipe(map((n) => ({ event: 'obs', data: n })));
  }

  @SubscribeMessage('promise')
  async promise(@MessageBody() data: number) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return data * 2;
  }

  @SubscribeMessage('none')
  none(@MessageBody() data: unknown) {
    return { undefinedData: data === undefined };
  }

  @SubscribeMessage('manual')
  manual(@MessageBody() data: string, @Ack() ack: (reply: string) => void) {
    ack(`manual:${data}`);
    return 'not sent';
  }

  @SubscribeMessage('crash')
  crash(): never {
    throw new Error('handler bug');
  }

  @SubscribeMessage('refuse')
  refuse(): never {
    throw new WsException('nope');
  }

  @SubscribeMessage('who')
  who(@ConnectedSocket() client: Socket) {
    return { event: 'who', data: client.nsp.name };
  }
}

@WebSocketGateway()
class SecondGateway {
  @SubscribeMessage('second')
  second(@MessageBody() data: unknown) {
    return { event: 'second', data };
  }
}

@Module({ imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false })], providers: [EchoGateway, SecondGateway] })
class EchoModule {}

// The reference: Nest's own IoAdapter serves no Gatehouse sockets, so the app says so
// (`ws: false`); with sockets on, Gatehouse refuses to start with another adapter.
@Module({
  imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false, ws: false })],
  providers: [EchoGateway, SecondGateway],
})
class ReferenceModule {}

const nestAdapter = (app: INestApplication): IoAdapter => new IoAdapter(app);

async function start(adapter: (app: INestApplication) => IoAdapter): Promise<{ app: NestFastifyApplication; url: string }> {
  const module = adapter === nestAdapter ? ReferenceModule : EchoModule;
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false });
  app.useWebSocketAdapter(adapter(app));
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
}

/** Everything a client observes for a fixed script of emits: acknowledgements and events, in order. */
async function observe(url: string): Promise<unknown[]> {
  const client: IoClient = await ioConnect(url, { transport: 'websocket', token: unsignedToken({ sub: 'alice' }) });
  const ack = (event: string, ...args: unknown[]) =>
    client.socket
      .timeout(2000)
      .emitWithAck(event, ...args)
      .catch((e: Error) => `no ack: ${e.message}`);
  const seen: unknown[] = [];
  seen.push(['value', await ack('value', { a: 1 })]);
  seen.push(['value, array', await ack('value', [1, 2])]);
  seen.push(['value, several arguments', await ack('value', 'x', 'y')]);
  seen.push(['none', await ack('none')]);
  seen.push(['promise', await ack('promise', 21)]);
  seen.push(['manual', await ack('manual', 'm')]);
  seen.push(['raw listener', await ack('raw', 'r')]);
  client.emit('event', 'e');
  client.emit('observable');
  client.emit('crash');
  client.emit('refuse');
  client.emit('second', 's');
  client.emit('who');
  client.emit('value', 'no ack: nothing comes back');
  await new Promise((resolve) => setTimeout(resolve, 300));
  seen.push(['events', client.events.filter((e) => e.event !== 'session')]);
  seen.push(['connected', client.socket.connected]);
  client.close();
  return seen;
}

describe('gateway handlers under GatehouseIoAdapter answer as under Nest IoAdapter', () => {
  it('the same acknowledgements and events, in the same order', async () => {
    const nest = await start(nestAdapter);
    const gatehouse = await start((app) => new GatehouseIoAdapter(app));
    try {
      const expected = await observe(nest.url);
      expect(await observe(gatehouse.url)).toEqual(expected);
      // The session comes first, before what the gateway's handleConnection sends.
      const client = await ioConnect(gatehouse.url, { transport: 'polling', token: unsignedToken({ sub: 'bob' }) });
      expect([(await client.next()).event, (await client.next()).event]).toEqual(['session', 'hello']);
      client.close();
      // And the script did exercise every kind of answer.
      expect(expected).toContainEqual(['value, several arguments', ['x', 'y']]);
      expect(expected).toContainEqual(['manual', 'manual:m']);
      const events = (expected.find((entry) => (entry as unknown[])[0] === 'events') as [string, { event: string }[]])[1];
      expect(events.map((e) => e.event).sort()).toEqual(['evt', 'exception', 'exception', 'hello', 'obs', 'obs', 'obs', 'second', 'who']);
    } finally {
      await Promise.all([nest.app.close(), gatehouse.app.close()]);
    }
  });
});
