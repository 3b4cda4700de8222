import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJwks } from './jwks-fetcher.js';

describe('fetchJwks', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      switch (request.url) {
        case '/ok':
          response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=120' }).end('{"keys":[]}');
          break;
        case '/html':
          response.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
          break;
        case '/huge':
          response.writeHead(200, { 'content-length': String(2 * 1024 * 1024) }).end();
          break;
        case '/slow':
          setTimeout(() => response.end('{"keys":[]}'), 2000).unref();
          break;
        default:
          response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns the JSON body and Cache-Control', async () => {
    expect(await fetchJwks(`${base}/ok`)).toEqual({ body: { keys: [] }, cacheControl: 'public, max-age=120' });
  });

  it('explains each failure in one line', async () => {
    await expect(fetchJwks(`${base}/missing`)).rejects.toThrow('answered HTTP 404');
    await expect(fetchJwks(`${base}/html`)).rejects.toThrow('answered something that is not JSON (content-type text/html)');
    await expect(fetchJwks(`${base}/huge`)).rejects.toThrow('answered more than 1048576 bytes, which is not a key set');
    await expect(fetchJwks(`${base}/slow`, undefined, 200)).rejects.toThrow('no answer within 200 ms');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(fetchJwks(`http://127.0.0.1:${port}/jwks`)).rejects.toThrow(/^request failed: .*ECONNREFUSED/);
  });
});
