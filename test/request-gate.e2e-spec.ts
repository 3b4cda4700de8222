import { connect } from 'node:net';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CurrentSession, GatehouseModule, type Session } from '../src/index.js';
import { PLATFORMS, startHostApp, type HostApp } from './support/host-app.js';
import { answerBeforeBody } from './support/raw-http.js';
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
async function headOnly(port: number, path: string): Promise<string> {
  const head = await answerBeforeBody(
    port,
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`,
  );
  return head.slice(0, head.indexOf('\r\n'));
}

/**
 * Sends the head of a POST announcing a 200 MB body, and nothing of the body. Resolves
 * the answer's first line once the server has closed the connection (what a refusal
 * that leaves a body unread does); rejects if it is still open after 3 s.
 */
function closedUnread(port: number, path: string): Promise<{ status: string; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open 3 s after: ${JSON.stringify(data.slice(0, 200))}`));
    }, 3000);
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ status: data.slice(0, data.indexOf('\r\n')), head: data.slice(0, data.indexOf('\r\n\r\n')).toLowerCase() });
    });
    socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n`);
  });
}

describe.each(PLATFORMS)('a request with a body (%s)', (platform) => {
  let host: HostApp;
  let url: string;
  let port: number;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [GatehouseModule.forRoot({ mode: 'insecure' }), NotesModule],
    }).compile();
    host = await startHostApp(moduleRef, platform);
    url = host.url;
    port = host.port;
  });
  afterAll(() => host.app.close());

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

  it('announcing 200 MB, refused: the connection is closed (Connection: close) without the body being read', async () => {
    for (const path of ['/notes', '/no/such/route']) {
      const { status, head } = await closedUnread(port, path);
      expect(status, path).toBe('HTTP/1.1 401 Unauthorized');
      expect(head, path).toContain('connection: close');
    }
  });
});
