import request from 'supertest';
import { stopAccepting } from '../src/server/create-app.js';
import { startApp, type RunningApp } from './support/app.js';
import { unsignedToken } from './support/tokens.js';

// The first step of SIGTERM/SIGINT in main.ts: new requests are refused at once with
// 503 (and Connection: close) while the sockets are being closed.
describe('stopping', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure' });
  });
  afterAll(() => server.app.close());

  it('answers new requests 503 once stopAccepting() is called', async () => {
    const token = unsignedToken({ sub: 'alice' });
    expect((await request(server.url).get('/api/session').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    stopAccepting(server.app);
    const res = await request(server.url).get('/api/session').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(503);
    expect(res.headers.connection).toBe('close');
    expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'Server is shutting down' });
  });
});
