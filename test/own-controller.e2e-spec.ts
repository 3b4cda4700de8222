import { Controller, Get, Module, NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect } from 'node:net';
import request from 'supertest';
import { CurrentSession, GatehouseHttpModule, GatehouseModule, Public, type Session } from '../src/index.js';
import { expect401 } from './support/expect-401.js';
import { PLATFORMS, startHostApp, type HostApp } from './support/host-app.js';
import { unsignedToken } from './support/tokens.js';

// What docs/library.md tells users to do: import GatehouseModule, add a controller, and
// it is guarded by default. Built with Test.createTestingModule, as users test theirs.
@Controller('notes')
class NotesController {
  @Get()
  list(@CurrentSession() session: Session) {
    return { owner: session.sub, notes: [] };
  }

  @Public()
  @Get('count')
  count() {
    return { count: 0 };
  }

  @Public()
  @Get('archived')
  archived() {
    throw new NotFoundException('No archived notes');
  }
}

@Module({ controllers: [NotesController] })
class NotesModule {}

describe.each(PLATFORMS)("a user's own controller (%s)", (platform) => {
  let host: HostApp;
  let url: string;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [GatehouseModule.forRoot({ mode: 'insecure' }), GatehouseHttpModule, NotesModule],
    }).compile();
    host = await startHostApp(moduleRef, platform);
    url = host.url;
  });
  afterAll(() => host.app.close());

  it('is guarded without any decorator', async () => {
    await expect401(url, undefined, 'token_missing', 'Missing bearer token', '/notes');
    await expect401(url, 'bad', 'token_malformed', 'Invalid token', '/notes');
    const res = await request(url)
      .get('/notes')
      .set('Authorization', `Bearer ${unsignedToken({ sub: 'alice' })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ owner: 'alice', notes: [] });
  });

  it('@Public() opts a route out', async () => {
    const res = await request(url).get('/notes/count');
    expect(res.status).toBe(200);
  });

  it("a public route's own 404 stays a 404 (only unmatched paths answer 401)", async () => {
    const res = await request(url).get('/notes/archived');
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('No archived notes');
  });

  it('an unknown path: 401 without a valid token, 404 with one; the process lives on', async () => {
    await expect401(url, undefined, 'token_missing', 'Missing bearer token', '/no/such/route');
    await expect401(url, 'bad', 'token_malformed', 'Invalid token', '/no/such/route');
    const res = await request(url)
      .get('/no/such/route')
      .set('Authorization', `Bearer ${unsignedToken({ sub: 'alice' })}`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404 });
    expect((await request(url).get('/notes/count')).status).toBe(200);
  });

  it('odd requests get an answer each, and the process lives on', async () => {
    const odd = [
      'GET /notes/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /no/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET http://example.com/notes HTTP/1.1\r\nHost: x\r\n\r\n`,
      'HEAD /notes HTTP/1.1\r\nHost: x\r\n\r\n',
      'OPTIONS /notes HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET //notes?a=%%%#frag HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /notes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n',
      'GET /notes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00ff\u0001\r\n\r\n',
      'GET /notes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n',
    ];
    for (const text of odd) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(host.port, '127.0.0.1', () => socket.end(Buffer.from(text, 'latin1')));
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString('latin1')));
        socket.on('error', () => resolve(data));
        socket.on('close', () => resolve(data));
      });
      expect(answer, JSON.stringify(text)).toMatch(/^HTTP\/1\.1 [1-5]\d\d /);
      expect(answer, JSON.stringify(text)).not.toMatch(/^HTTP\/1\.1 (200|5\d\d) /);
    }
    expect((await request(url).get('/notes/count')).status).toBe(200);
  });

  it('the security headers are on every answer, refusals included', async () => {
    for (const path of ['/notes', '/notes/count', '/no/such/route']) {
      const res = await request(url).get(path);
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
    }
  });
});
