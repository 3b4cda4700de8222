import { WebSocket } from 'ws';
import { ioAuthenticated } from './support/io-client.js';
import { startServer, stopServer, type Started } from './support/server-process.js';
import { unsignedToken } from './support/tokens.js';
import { connect, refusedUpgrade } from './support/ws-client.js';

// The WebSocket limits of docs/protocol.md §10 (version 3) against `node dist/main.js`:
// frames per second per socket (a flood is closed 1008 rate_limited, and other clients'
// /health stays fast), unauthenticated sockets per address, and Engine.IO sessions
// below Socket.IO's namespaces (closed when they do not authenticate in time, and capped).

const token = (sub: string) => unsignedToken({ sub });

/** Sends `count` frames in one go (one write per frame, as fast as the client can). */
function flood(socket: WebSocket, count: number): void {
  const frame = JSON.stringify({ event: 'noise', data: 'x' });
  for (let i = 0; i < count; i++) socket.send(frame);
}

async function healthTimes(url: string, whileRunning: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (whileRunning()) {
    const started = performance.now();
    const res = await fetch(`${url}/health`);
    await res.arrayBuffer();
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return times;
}

describe('raw WebSocket: WS_MAX_FRAMES_PER_SECOND and WS_MAX_PENDING_PER_ADDRESS', () => {
  let server: Started;
  beforeAll(async () => {
    server = await startServer({
      AUTH_MODE: 'insecure',
      AUTH_FAIL_LIMIT: '0',
      WS_MAX_FRAMES_PER_SECOND: '20',
      WS_MAX_PENDING_PER_ADDRESS: '3',
    });
  });
  afterAll(() => stopServer(server));

  it('a socket that floods frames is closed with 1008 rate_limited, after an error event', async () => {
    const client = await connect(server.port, token('flooder'));
    await client.next();
    flood(client.ws, 500);
    expect(await client.next()).toEqual({ event: 'error', data: { reason: 'rate_limited', message: 'Too many frames: slow down' } });
    expect(await client.closed).toEqual({ code: 1008, reason: 'rate_limited' });
  });

  it('a socket within the rate (bursts up to twice it) stays open', async () => {
    const client = await connect(server.port, token('steady'));
    await client.next();
    flood(client.ws, 40); // the whole burst at once
    for (let i = 0; i < 15; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      client.send({ event: 'noise' });
    }
    client.send({ event: 'whoami' });
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'steady' } });
    await client.close();
  });

  it('clients flooding for two seconds do not make /health wait', async () => {
    const idle = await healthTimes(
      server.url,
      (
        (end) => () =>
          Date.now() < end
      )(Date.now() + 500),
    );
    let running = true;
    let closedFlooders = 0;
    const flooders = (async () => {
      while (running) {
        const clients = await Promise.all(Array.from({ length: 4 }, (_, i) => connect(server.port, token(`f${i}`))));
        for (const client of clients) flood(client.ws, 2000);
        const closes = await Promise.all(clients.map((client) => client.closed));
        closedFlooders += closes.filter((close) => close.code === 1008).length;
      }
    })();
    const busy = await healthTimes(
      server.url,
      (
        (end) => () =>
          Date.now() < end
      )(Date.now() + 2000),
    );
    running = false;
    await flooders;
    expect(closedFlooders).toBeGreaterThan(0);
    const worst = Math.max(...busy);
    const idleWorst = Math.max(...idle);
    // The flood shares two cores with this test's own clients: generous, but far below a starved loop's seconds.
    expect(worst).toBeLessThan(Math.max(250, idleWorst * 5));
  });

  it('unauthenticated sockets per address are capped: the next upgrade is 429 too_many_connections', async () => {
    const waiting = await Promise.all([connect(server.port), connect(server.port), connect(server.port)]);
    const refusal = await refusedUpgrade(server.port, {});
    expect(refusal.status).toBe(429);
    expect(refusal.body).toMatchObject({ statusCode: 429, reason: 'too_many_connections' });
    // A token in the upgrade is never pending: still served.
    const withToken = await connect(server.port, token('alice'));
    expect(await withToken.next()).toMatchObject({ event: 'session' });
    // One authenticates: its place is free again.
    waiting[0].auth(token('bob'));
    expect(await waiting[0].next()).toMatchObject({ event: 'session' });
    const another = await connect(server.port);
    await Promise.all([...waiting, withToken, another].map((client) => client.close()));
  });
});

describe('Socket.IO: frame rate, and Engine.IO sessions below the namespace', () => {
  let server: Started;
  beforeAll(async () => {
    server = await startServer({
      AUTH_MODE: 'insecure',
      AUTH_FAIL_LIMIT: '0',
      WS_TRANSPORT: 'socket.io',
      WS_MAX_FRAMES_PER_SECOND: '20',
      WS_MAX_PENDING_PER_ADDRESS: '5',
      WS_AUTH_TIMEOUT_MS: '1000',
    });
  });
  afterAll(() => stopServer(server));

  const handshake = () => fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);

  it('a socket that floods events gets error rate_limited and is disconnected', async () => {
    const client = await ioAuthenticated(server.url, { transport: 'websocket', token: token('flooder') });
    for (let i = 0; i < 500; i++) client.emit('noise', i);
    expect(await client.next()).toEqual({ event: 'error', data: { reason: 'rate_limited', message: 'Too many frames: slow down' } });
    expect(await client.disconnected).toBe('io server disconnect');
  });

  it('Engine.IO sessions without a token: capped per address (429), and closed after WS_AUTH_TIMEOUT_MS', async () => {
    const opened = await Promise.all(Array.from({ length: 5 }, handshake));
    expect(opened.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    const sids = await Promise.all(opened.map(async (res) => JSON.parse((await res.text()).slice(1)).sid as string));
    const refused = await handshake();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ statusCode: 429, reason: 'too_many_connections' });
    // Over WebSocket too.
    const upgrade = await refusedUpgrade(server.port, {}, '/socket.io/?EIO=4&transport=websocket');
    expect(upgrade.status).toBe(429);
    // Past the auth timeout the sessions are gone, and their places free.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const poll = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=${sids[0]}`);
    expect(poll.status).toBe(400); // unknown session
    expect((await handshake()).status).toBe(200);
  });

  it('a handshake flood from one address holds at most the cap; an authenticated client is unaffected', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1200)); // the previous test's session times out
    const client = await ioAuthenticated(server.url, { transport: 'polling', token: token('alice') });
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(Array.from({ length: 30 }, handshake));
      statuses.push(...answers.map((res) => res.status));
      await Promise.all(answers.map((res) => res.arrayBuffer()));
    }
    // The authenticated client's session no longer counts: five places for the flood, no more.
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(295);
    client.emit('whoami');
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice' } });
    client.close();
  });
});
