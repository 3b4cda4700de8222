import { startServer, stopServer, type Started } from './support/server-process.js';
import { now, unsignedToken } from './support/tokens.js';
import { connect, refusedUpgrade, type WsClient } from './support/ws-client.js';

// WS_MAX_SOCKETS_PER_SUB (docs/protocol.md §10, docs/limits.md), against `node dist/main.js`
// with the default of 100: one token opening sockets as fast as it can. Before the limit
// one token opened 1,003 sockets in 0.8 s, until file descriptors ran out and other
// clients' REST calls were reset.

const LIMIT = 100;
const TOO_MANY = {
  statusCode: 429,
  error: 'Too Many Requests',
  reason: 'too_many_connections',
  message: 'Too many open connections for this user',
};

describe('WS_MAX_SOCKETS_PER_SUB (default 100)', () => {
  let server: Started;
  const token = (sub: string) => unsignedToken({ sub, exp: now() + 3600 });
  const held: WsClient[] = [];

  beforeAll(async () => {
    server = await startServer({ AUTH_MODE: 'insecure', AUTH_FAIL_LIMIT: '0' });
  });
  afterAll(async () => {
    for (const client of held) client.ws.terminate();
    await stopServer(server);
  });

  /** Opens `count` sockets for `sub` at once, authenticated by header; resolves those that opened, and the refusals. */
  async function burst(sub: string, count: number) {
    const results = await Promise.allSettled(
      Array.from({ length: count }, async () => {
        const client = await connect(server.port, token(sub));
        await client.next(); // the session event
        return client;
      }),
    );
    const opened = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    held.push(...opened);
    return { opened, refused: results.length - opened.length };
  }

  it('one token bursting 300 upgrades holds 100 sockets; the rest get HTTP 429 too_many_connections', async () => {
    const { opened, refused } = await burst('mallory', 3 * LIMIT);
    expect(opened.length).toBe(LIMIT);
    expect(refused).toBe(2 * LIMIT);
    const refusal = await refusedUpgrade(server.port, { Authorization: `Bearer ${token('mallory')}` });
    expect(refusal.status).toBe(429);
    expect(refusal.body).toEqual(TOO_MANY);
  });

  it('the 101st by auth frame: error too_many_connections, close 4429', async () => {
    const client = await connect(server.port);
    client.auth(token('mallory'));
    expect(await client.next()).toEqual({ event: 'error', data: { reason: 'too_many_connections', message: TOO_MANY.message } });
    expect(await client.closed).toEqual({ code: 4429, reason: 'too_many_connections' });
  });

  it('closing one frees a slot, for exactly one new socket', async () => {
    const leaving = held.find((client) => client.ws.readyState === client.ws.OPEN)!;
    await leaving.close();
    // The server counts the socket out when its side has closed too: give it a moment.
    await expect.poll(async () => (await burst('mallory', 1)).opened.length, { interval: 50 }).toBe(1);
    expect((await refusedUpgrade(server.port, { Authorization: `Bearer ${token('mallory')}` })).status).toBe(429);
  });

  it('other users are unaffected: another sub opens its sockets, another client its REST calls', async () => {
    const { opened } = await burst('bob', 10);
    expect(opened.length).toBe(10);
    const rest = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${server.url}/api/session`, { headers: { authorization: `Bearer ${token('carol')}` } })),
    );
    expect(rest.map((res) => res.status)).toEqual(Array(20).fill(200));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('a refresh on a held socket is not a new socket: it is not refused', async () => {
    const client = held.find((c) => c.ws.readyState === c.ws.OPEN)!;
    const before = client.frames.length;
    client.auth(token('mallory'));
    await expect.poll(() => client.frames.length).toBe(before + 1);
    expect(client.frames.at(-1)).toMatchObject({ event: 'session', data: { sub: 'mallory' } });
  });
});
