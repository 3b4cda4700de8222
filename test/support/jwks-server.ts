import request from 'supertest';
import { startApp, type RunningApp, type TestEnv } from './app.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

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
  delayMs = 0;
  hits = 0;
  /** Responses sent so far: less than hits while one is held back by delayMs. */
  answered = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.hits += 1;
      setTimeout(() => {
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

  async stop(): Promise<void> {
    if (!this.server?.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** A token signed with `privateKey`: iat now, exp in an hour, header kid when given. */
export function signToken(
  privateKey: KeyObject | Uint8Array,
  alg: string,
  { kid, sub = 'alice', claims = {} }: { kid?: string; sub?: string; claims?: Record<string, unknown> } = {},
): Promise<string> {
  return new SignJWT({ sub, ...claims })
    .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
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
