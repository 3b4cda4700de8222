import { connect } from 'node:net';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { CurrentSession, GatehouseModule, type Session } from '../src/index.js';
import { unsignedToken } from './support/tokens.js';

// docs/protocol.md §10: a request with a body to a guarded route is authenticated before
// its body is read (RequestGate), and the guard then finds its session.
@Controller('notes')
class NotesController {
  @Post()
  @HttpCode(200)
  add(@CurrentSession() session: Session, @Body() body: { text: string }) {
    return { by: session.sub, text: body.text };
  }
}

@Module({ controllers: [NotesController] })
class NotesModule {}

/** Sends only the head of a POST that announces a 1 MB body, and resolves the first answer line. */
function headOnly(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer before the body was sent'));
    }, 3000);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (!data.includes('\r\n')) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(data.slice(0, data.indexOf('\r\n')));
    });
    socket.on('error', reject);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`);
  });
}

describe('a request with a body', () => {
  let app: NestFastifyApplication;
  let url: string;
  let port: number;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [GatehouseModule.forRoot({ mode: 'insecure' }), NotesModule],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    port = Number(new URL(url).port);
  });
  afterAll(() => app.close());

  it('to a guarded route without a token is refused before its body is sent', async () => {
    expect(await headOnly(port, '/notes')).toBe('HTTP/1.1 401 Unauthorized');
  });

  it('to a guarded route with a valid token reaches the route, session and body both', async () => {
    const res = await request(url)
      .post('/notes')
      .set('Authorization', `Bearer ${unsignedToken({ sub: 'alice' })}`)
      .send({ text: 'hi' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ by: 'alice', text: 'hi' });
  });
});
