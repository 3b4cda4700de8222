import { connect } from 'node:net';
import { startApp, type RunningApp } from './support/app.js';

// The server's HTTP_HEADERS_TIMEOUT_MS and HTTP_KEEP_ALIVE_TIMEOUT_MS (docs/protocol.md
// §10.4.1): a connection that says nothing is not kept (Fastify's own default kept it forever).

function closedAfter(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => text && socket.write(text));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('still open after 5 s'));
    }, 5000);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe('the server: connections that say nothing', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ AUTH_MODE: 'insecure', HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_KEEP_ALIVE_TIMEOUT_MS: '300' });
  });
  afterAll(() => running.app.close());

  it('a silent connection, and one with half a request head, are closed', async () => {
    expect(await closedAfter(running.port, '')).toBeLessThan(2000);
    expect(await closedAfter(running.port, 'GET /health HTTP/1.1\r\nHost: x\r\n')).toBeLessThan(2000);
  });

  it('a connection idle after its answer is closed', async () => {
    expect(await closedAfter(running.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')).toBeLessThan(2500);
  });
});
