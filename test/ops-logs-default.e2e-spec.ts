import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../src/server/create-app.js';
import { now, unsignedToken } from './support/tokens.js';

// The default (LOG_REQUESTS=false): no access-log line per request, but every rejected
// authentication is still logged. One app per file: nestjs-pino's logger is per process.
describe('logs with the default settings', () => {
  it('a rejection is logged, a request is not', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line));
        done();
      },
    });
    const app = await createApp({ env: { AUTH_MODE: 'insecure', LOG_FORMAT: 'json', AUTH_FAIL_LIMIT: '0' }, logDestination: destination });
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    await request(url)
      .get('/api/session')
      .set('Authorization', `Bearer ${unsignedToken({ sub: 'a', exp: now() - 600 })}`)
      .expect(401);
    await request(url)
      .get('/api/session')
      .set('Authorization', `Bearer ${unsignedToken({ sub: 'a' })}`)
      .expect(200);
    await app.close();
    expect(lines.filter((r) => r.event === 'auth_rejected')).toEqual([
      expect.objectContaining({ transport: 'http', reason: 'token_expired' }),
    ]);
    expect(lines.filter((r) => r.msg === 'request completed')).toEqual([]);
  });
});
