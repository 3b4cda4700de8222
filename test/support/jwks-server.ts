import request from 'supertest';
import { startApp, type RunningApp, type TestEnv } from './app.js';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonWebKey, KeyObject } from 'node:crypto';

/** A JWK as an identity provider publishes it: the public key plus kid/alg/use. */
export function publicJwk(key: KeyObject, extra: Record<string, unknown> = {}): JsonWebKey & Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), ...extra };
}

/**
 * A stand-in identity provider on 127.0.0.1:<free port>: serves `keys` as a JSON Web
 * Key Set, or `status` / `body` when a test breaks it, and counts its hits.
 */
export class JwksServer {
  keys: Record<string, unknown>[] = [];
  status = 200;
  /** Served instead of the key set when set (e.g. HTML). */
  body: string | undefined;
  cacheControl: string | undefined;
  /** Answers 302 to this address instead of the key set, when set. */
  redirectTo: string | undefined;
  /** Streams this many bytes, chunked (no Content-Length), instead of the key set, when set. */
  streamBytes: number | undefined;
  /** Bytes of the streamed bodies that the client actually took, over all requests. */
  bytesStreamed = 0;
  /** Streamed responses that have ended (finished, or the client hung up). */
  streamsEnded = 0;
  /** The path (and query) of each request, in order. */
  readonly requests: string[] = [];
  delayMs = 0;
  hits = 0;
  /** Responses sent so far: less than hits while one is held back by delayMs. */
  answered = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.hits += 1;
      this.requests.push(request.url ?? '');
      setTimeout(() => {
        if (this.redirectTo !== undefined) {
          response.writeHead(302, { location: this.redirectTo }).end();
          this.answered += 1;
          return;
        }
        if (this.streamBytes !== undefined) {
          this.stream(response, this.streamBytes);
          return;
        }
        const text = this.body ?? JSON.stringify({ keys: this.keys });
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (this.cacheControl) headers['cache-control'] = this.cacheControl;
        response.writeHead(this.status, headers).end(text);
        this.answered += 1;
      }, this.delayMs).unref();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
    return this;
  }

  /** A body far too large for a key set, sent chunk by chunk as fast as the client reads. */
  private stream(response: ServerResponse, total: number): void {
    const chunk = Buffer.alloc(64 * 1024, 0x20); // JSON whitespace
    let sent = 0;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"keys":[');
    const pump = () => {
      while (sent < total && !response.destroyed) {
        sent += chunk.length;
        this.bytesStreamed += chunk.length;
        if (!response.write(chunk)) return; // wait for 'drain': count only what the client takes
      }
      if (!response.destroyed) response.end(']}');
    };
    response.on('drain', pump);
    response.on('close', () => {
      this.streamsEnded += 1;
      this.answered += 1;
    });
    pump();
  }

  async stop(): Promise<void> {
    if (!this.server?.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** Polls until `check` passes or `timeoutMs` runs out. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Gatehouse in secure mode on this key set, once /health says the set is loaded. */
export async function startWithKeySet(jwks: JwksServer, env: TestEnv = {}): Promise<RunningApp> {
  const running = await startApp({ AUTH_MODE: 'secure', AUTH_JWT_JWKS_URL: jwks.url, ...env });
  await eventually(async () => expect((await request(running.url).get('/health')).status).toBe(200));
  return running;
}
