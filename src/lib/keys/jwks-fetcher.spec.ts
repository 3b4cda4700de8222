import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeySetFetchError, fetchJwks } from './jwks-fetcher.js';

describe('fetchJwks', () => {
  let server: Server;
  let base: string;
  let chunkedSent = 0;
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
        case '/redirect':
          response.writeHead(302, { location: '/ok' }).end();
          break;
        case '/chunked': {
          // No Content-Length: only counting the bytes as they arrive can stop it.
          response.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(64 * 1024, 0x20);
          let sent = 0;
          const pump = () => {
            while (sent < 64 * 1024 * 1024 && !response.destroyed) {
              sent += chunk.length;
              if (!response.write(chunk)) return;
            }
            response.end();
          };
          response.on('drain', pump);
          response.on('close', () => (chunkedSent = sent));
          pump();
          break;
        }
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

  it('gives /health a fixed phrase for each failure', async () => {
    const reason = (path: string) => fetchJwks(`${base}${path}`).catch((error: KeySetFetchError) => error.publicReason);
    expect(await reason('/missing')).toBe('fetch failed (HTTP 404)');
    expect(await reason('/html')).toBe('fetch failed (answer is not JSON)');
    expect(await reason('/huge')).toBe('fetch failed (answer larger than 1 MiB)');
    expect(await reason('/redirect')).toBe('fetch failed (HTTP 302 redirect, not followed)');
    const tls = (await fetchJwks(base.replace('http:', 'https:')).catch((error: unknown) => error)) as KeySetFetchError;
    expect(tls.message).toMatch(/^request failed: /); // OpenSSL's own text, for the log
    expect(tls.publicReason).toBe('fetch failed (TLS error)');
  });

  it('does not follow a redirect', async () => {
    await expect(fetchJwks(`${base}/redirect`)).rejects.toMatchObject({
      message: expect.stringContaining('answered HTTP 302 (a redirect, which is not followed'),
      retryLater: true,
    });
  });

  it('cuts a chunked body off at 1 MiB while it streams', async () => {
    await expect(fetchJwks(`${base}/chunked`)).rejects.toMatchObject({
      message: 'answered more than 1048576 bytes, which is not a key set',
      retryLater: true,
    });
    await vi.waitFor(() => expect(chunkedSent).toBeGreaterThan(0));
    expect(chunkedSent).toBeLessThan(16 * 1024 * 1024);
  });
});
