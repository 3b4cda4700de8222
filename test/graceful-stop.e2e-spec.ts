import { connect as tcpConnect } from 'node:net';
import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { unsignedToken } from './support/tokens.js';

// What SIGTERM/SIGINT start (app.close()): new requests are refused at once with 503
// (and Connection: close) while the sockets are being closed and requests finish.
describe('stopping', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure' });
  });

  it('answers new requests 503 while the app is closing', async () => {
    const token = unsignedToken({ sub: 'alice' });
    expect((await request(server.url).get('/api/session').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    // A WebSocket peer that never answers the 1001 close keeps shutdown in its grace period.
    const peer = tcpConnect(server.port, '127.0.0.1');
    peer.on('error', () => {});
    peer.write(
      `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.alloc(16).toString('base64')}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    await new Promise((resolve) => peer.once('data', resolve));
    peer.pause();
    const closing = server.app.close();
    const res = await request(server.url).get('/api/session').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(503);
    expect(res.headers.connection).toBe('close');
    expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'Server is shutting down' });
    peer.destroy();
    await closing;
  });
});
