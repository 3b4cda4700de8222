import request from 'supertest';
import type { RunningApp } from './support/app.js';
import { JwksServer, publicJwk, startWithKeySet } from './support/jwks-server.js';
import { signedToken, validFor } from './support/tokens.js';
import { generateEc } from './support/tokens.js';
import { connect, type WsClient } from './support/ws-client.js';

// A live socket whose key has left the key set is closed (error key_not_found, close
// 4401) when the set refreshes (docs/protocol.md §10). Before, open sockets signed by a
// removed key kept working until their token expired. A real key set server rotates
// k1 out (k2 stays, k3 comes in); a token naming k3 makes Gatehouse refetch the set.
describe('JWKS: a key leaves the set while sockets signed by it are open', () => {
  const k1 = generateEc('P-256');
  const k2 = generateEc('P-256');
  const k3 = generateEc('P-256');
  const jwk = (pair: typeof k1, kid: string) => publicJwk(pair.publicKey, { kid, alg: 'ES256' });
  const jwks = new JwksServer();
  let running: RunningApp;

  beforeAll(async () => {
    await jwks.start();
    jwks.keys = [jwk(k1, 'k1'), jwk(k2, 'k2')];
    running = await startWithKeySet(jwks, { AUTH_JWT_ALG: 'ES256' });
  });
  afterAll(async () => {
    await running.app.close();
    await jwks.stop();
  });

  const token = (pair: typeof k1, sub: string, kid?: string) =>
    signedToken({ sub, ...validFor() }, { alg: 'ES256', key: pair.privateKey, kid });

  async function byHeader(jwt: string): Promise<WsClient> {
    const client = await connect(running.port, jwt);
    expect((await client.next()).event).toBe('session');
    return client;
  }

  async function byFrame(jwt: string): Promise<WsClient> {
    const client = await connect(running.port);
    client.auth(jwt);
    expect((await client.next()).event).toBe('session');
    return client;
  }

  async function stillServed(client: WsClient, sub: string): Promise<void> {
    client.send({ event: 'whoami' });
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub } });
  }

  it('closes the sockets signed by the removed key, with or without kid; the others stay', async () => {
    const signedByK1 = [
      await byHeader(token(k1, 'alice', 'k1')),
      await byFrame(token(k1, 'erin', 'k1')),
      await byHeader(token(k1, 'carol')), // no kid: verified by trying the set's keys
    ];
    const signedByK2 = [await byHeader(token(k2, 'bob', 'k2')), await byFrame(token(k2, 'dave'))];
    // Authenticated with k1, then refreshed with a k2 token: what counts is its session now.
    const refreshed = await byFrame(token(k1, 'frank', 'k1'));
    refreshed.auth(token(k2, 'frank', 'k2'));
    expect((await refreshed.next()).event).toBe('session');

    // The provider rotates: k1 out, k3 in. The first k3 token makes Gatehouse refetch.
    jwks.keys = [jwk(k2, 'k2'), jwk(k3, 'k3')];
    const fetches = jwks.hits;
    const res = await request(running.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${token(k3, 'grace', 'k3')}`);
    expect(res.status).toBe(200);
    expect(jwks.hits).toBe(fetches + 1);

    for (const client of signedByK1) {
      expect(await client.next()).toEqual({
        event: 'error',
        data: { reason: 'key_not_found', message: "No key found for the token's kid" },
      });
      expect(await client.closed).toEqual({ code: 4401, reason: 'key_not_found' });
    }
    await stillServed(signedByK2[0], 'bob');
    await stillServed(signedByK2[1], 'dave');
    await stillServed(refreshed, 'frank');

    // New sockets: k1 is refused at the door, k2 and k3 are welcome.
    const refusedK1 = await connect(running.port);
    refusedK1.auth(token(k1, 'alice', 'k1'));
    expect((await refusedK1.next()).data.reason).toBe('key_not_found');
    for (const client of [await byHeader(token(k3, 'grace', 'k3')), ...signedByK2, refreshed]) client.ws.terminate();
  });
});
