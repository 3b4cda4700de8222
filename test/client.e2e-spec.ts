import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { GatehouseClient, backoffDelay, type GatehouseError, type StateChange } from 'nestjs-gatehouse/client';
import { ClientRecorder, countingWebSocket, sleep, tokenFor, tokenSource, until } from './support/client-recorder.js';
import { freePort, startServer, stopServer, type Started } from './support/server-process.js';
import { unsignedToken, now } from './support/tokens.js';
import { connect, wsUrl } from './support/ws-client.js';

// gatehouse/client (docs/protocol.md §13.1), the built module as a user imports it, in
// Node 20 with `ws`'s WebSocket, against real `node dist/main.js` processes.

// Short tokens and a 1 s notice make refreshes and expiries happen within a test;
// leeway 0 so that a token dies at its exp. One socket per sub: the 4429 test needs it.
const ENV = {
  AUTH_MODE: 'insecure',
  AUTH_JWT_CLOCK_TOLERANCE: '0',
  WS_EXPIRY_NOTICE_SECONDS: '1',
  WS_MAX_SOCKETS_PER_SUB: '1',
  AUTH_FAIL_LIMIT: '0',
  LOG_LEVEL: 'warn',
};

let server: Started;
const clients: GatehouseClient[] = [];

beforeAll(async () => {
  server = await startServer(ENV);
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
  if (server) await stopServer(server);
});

function client(options: Partial<ConstructorParameters<typeof GatehouseClient>[0]> & { getToken: any }, port = server.port) {
  const created: number[] = [];
  const instance = new GatehouseClient({ url: wsUrl(port), WebSocket: countingWebSocket(created), ...options });
  clients.push(instance);
  return { client: instance, created, recorder: new ClientRecorder(instance) };
}

describe('the built module', () => {
  it('is one file that imports nothing and uses nothing of Node', () => {
    const source = readFileSync(resolve(import.meta.dirname, '../packages/nestjs-gatehouse/dist/client/gatehouse-client.js'), 'utf8');
    expect(source).not.toMatch(/^\s*import\s|\bimport\s*\(|\brequire\s*\(/m);
    expect(source).not.toMatch(/\b(process|Buffer|node:|__dirname)\b/);
    const exports = JSON.parse(readFileSync(resolve(import.meta.dirname, '../packages/nestjs-gatehouse/package.json'), 'utf8')).exports;
    expect(exports['./client']).toEqual({
      types: './dist/client/gatehouse-client.d.ts',
      default: './dist/client/gatehouse-client.js',
    });
  });

  it('refuses bad options with a clear error', () => {
    expect(() => new GatehouseClient({ url: 'ftp://x', getToken: () => 't', WebSocket })).toThrow(/ws:\/\/, wss:\/\//);
    expect(() => new GatehouseClient({ url: 'ws://x/ws', getToken: undefined as never, WebSocket })).toThrow(/getToken/);
    // Where there is no global WebSocket (Node before 22), the message says what to pass.
    const global = globalThis as { WebSocket?: unknown };
    const own = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => new GatehouseClient({ url: 'ws://x/ws', getToken: () => 't' })).toThrow(/'ws' package/);
    } finally {
      global.WebSocket = own;
    }
  });

  it('stops with a fatal socket_refused error when the environment refuses to open the socket', async () => {
    class Refusing {
      constructor() {
        throw new Error('SecurityError: insecure WebSocket from a secure page');
      }
    }
    const c = new GatehouseClient({ url: 'ws://x/ws', getToken: () => 't', WebSocket: Refusing as never });
    const recorder = new ClientRecorder(c);
    c.connect();
    await until(() => c.state === 'closed', 'the client to stop');
    expect(recorder.of('error').map((e) => e.data)).toEqual([
      { reason: 'socket_refused', message: 'new WebSocket(ws://x/ws): SecurityError: insecure WebSocket from a secure page', fatal: true },
    ]);
  });
});

describe('refresh in place', () => {
  it('keeps one socket open across three token lifetimes, refreshing on session_expiring', async () => {
    const LIFETIME = 2;
    const tokens = tokenSource(() => tokenFor('refresher', LIFETIME));
    const { client: c, created, recorder } = client({ getToken: tokens.getToken });
    c.connect();
    await until(() => recorder.sessions().length > 0, 'the first session');
    const start = performance.now();
    const firstExp = recorder.sessions()[0].expiresAt;
    await sleep(3 * LIFETIME * 1000 + 500);

    expect(created).toHaveLength(1);
    expect(recorder.states().map((s) => s.state)).toEqual(['connecting', 'authenticated']);
    expect(recorder.of('session_expiring').length).toBeGreaterThanOrEqual(3);
    expect(tokens.reasons[0]).toBe('connect');
    expect(tokens.reasons.slice(1).every((r) => r === 'refresh')).toBe(true);
    const sessions = recorder.sessions();
    expect(sessions.length).toBeGreaterThanOrEqual(4);
    expect(sessions.at(-1).expiresAt).toBeGreaterThan(firstExp + 2 * LIFETIME);
    expect(performance.now() - start).toBeGreaterThan(3 * LIFETIME * 1000);
    expect(recorder.of('error')).toEqual([]);
    // The socket still works: whoami is answered with the current session.
    const before = recorder.sessions().length;
    expect(c.send('whoami')).toBe(true);
    await until(() => recorder.sessions().length > before, 'the answer to whoami');
  });
});

describe('reconnecting', () => {
  it('survives a server restart (1001): reconnects to the new process on the same port, missing at most one frame', async () => {
    const port = await freePort();
    let first: Started | undefined = await startServer({ ...ENV, PORT: String(port) });
    let second: Started | undefined;
    try {
      const capMs = 1000;
      const {
        client: c,
        created,
        recorder,
      } = client({ getToken: () => tokenFor('restarter', 3600), backoff: { baseMs: 100, capMs }, maxQueuedFrames: 1000 }, port);
      c.connect();
      await until(() => c.state === 'authenticated', 'the first session');
      // A frame every 100 ms, the whole time: each whoami is answered with a session event.
      let sent = 0;
      const ticker = setInterval(() => {
        if (c.send('whoami')) sent += 1;
      }, 100);
      await sleep(500);
      await stopServer(first);
      first = undefined;
      await until(() => recorder.states().some((s) => s.close?.code === 1001), 'the 1001 close');
      second = await startServer({ ...ENV, PORT: String(port) });
      const readyAt = performance.now();
      await until(() => c.state === 'authenticated' && created.length >= 2, 'a session on the new process', 15_000);
      const reconnectedAfter = performance.now() - readyAt;
      await sleep(500);
      clearInterval(ticker);
      await sleep(300);

      const shutdown = recorder.states().find((s) => s.close?.code === 1001)!;
      expect(shutdown).toMatchObject({ state: 'reconnecting', close: { code: 1001, reason: 'server_shutdown' } });
      // Within the backoff window in force when the new process came up (plus a connect).
      expect(reconnectedAfter).toBeLessThan(capMs + 1500);
      // Answers: session events that are not the two authentications.
      const authentications = recorder.states().filter((s) => s.state === 'authenticated').length;
      const answered = recorder.sessions().length - authentications;
      expect(authentications).toBe(2);
      expect(sent).toBeGreaterThan(10);
      expect(sent - answered).toBeLessThanOrEqual(1);
      expect(recorder.of('error')).toEqual([]);
    } finally {
      if (first) await stopServer(first);
      if (second) await stopServer(second);
    }
  }, 60_000);

  it('on a live session closed with 4001 gets a new token and reconnects at once', async () => {
    // The refresh fails (the token service is down), so the server closes at expiry.
    const tokens = tokenSource((reason) => {
      if (reason === 'refresh') throw new Error('token service unavailable');
      return tokenFor('expirer', reason === 'connect' ? 2 : 3600);
    });
    const { client: c, created, recorder } = client({ getToken: tokens.getToken, backoff: { baseMs: 20_000 } });
    c.connect();
    await until(() => recorder.states().some((s) => s.close?.code === 4001), 'the 4001 close');
    await until(() => recorder.sessions().length === 2, 'a second session', 5000);

    expect(tokens.reasons).toEqual(['connect', 'refresh', 'expired']);
    expect(created).toHaveLength(2);
    const expired = recorder.of('state').find((e) => e.data.close?.code === 4001)!;
    expect(expired.data).toEqual({ state: 'reconnecting', close: { code: 4001, reason: 'token_expired' }, delayMs: 0 });
    const second = recorder.of('state').filter((e) => e.data.state === 'authenticated')[1];
    // "At once": far below the 20 s backoff base this client was given.
    expect(second.at - expired.at).toBeLessThan(2000);
    const [one, two] = recorder.sessions();
    expect(two.expiresAt).toBeGreaterThan(one.expiresAt + 3000);
    const errors = recorder.of('error').map((e) => e.data as GatehouseError);
    expect(errors.map((e) => [e.reason, e.fatal])).toEqual([
      ['token_unavailable', false], // the failed refresh
      ['token_expired', false], // the server's error event before its 4001
    ]);
    expect(errors[0].message).toMatch(/token service unavailable/);
  });

  it('on a token that has expired at connect (4001) asks for a new one and gets a new session', async () => {
    const tokens = tokenSource((reason) =>
      reason === 'connect' ? unsignedToken({ sub: 'late', exp: now() - 60 }) : tokenFor('late', 3600),
    );
    const { client: c, created, recorder } = client({ getToken: tokens.getToken, backoff: { baseMs: 20_000 } });
    c.connect();
    await until(() => c.state === 'authenticated', 'a session', 5000);
    expect(tokens.reasons).toEqual(['connect', 'expired']);
    expect(created).toHaveLength(2);
    expect(recorder.sessions()).toHaveLength(1);
  });

  it('on 4401 twice stops with a fatal error and opens no third socket', async () => {
    const tokens = tokenSource(() => 'not-a-token');
    const { client: c, created, recorder } = client({ getToken: tokens.getToken });
    c.connect();
    await until(() => c.state === 'closed', 'the client to stop');
    await sleep(1000);

    expect(created).toHaveLength(2);
    expect(tokens.reasons).toEqual(['connect', 'rejected']);
    const fatal = recorder
      .of('error')
      .map((e) => e.data as GatehouseError)
      .filter((e) => e.fatal);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].reason).toBe('token_malformed');
    expect(fatal[0].message).toMatch(/refused as well/);
    expect(recorder.states().map((s) => [s.state, s.close?.code])).toEqual([
      ['connecting', undefined],
      ['reconnecting', 4401],
      ['closed', 4401],
    ]);
  });

  it('on 4401 then a good token, the one more try succeeds', async () => {
    const tokens = tokenSource((reason) => (reason === 'connect' ? 'not-a-token' : tokenFor('second-chance', 3600)));
    const { client: c, recorder } = client({ getToken: tokens.getToken });
    c.connect();
    await until(() => c.state === 'authenticated', 'a session');
    expect(tokens.reasons).toEqual(['connect', 'rejected']);
    expect(recorder.sessions()[0].sub).toBe('second-chance');
  });

  it('on 4403 (a refresh for another sub) gets a new token and connects as that user', async () => {
    const tokens = tokenSource((reason) => (reason === 'connect' ? tokenFor('carol', 2) : tokenFor('dave', 3600)));
    const { client: c, created, recorder } = client({ getToken: tokens.getToken });
    c.connect();
    await until(() => recorder.sessions().some((s) => s.sub === 'dave'), 'a session for dave', 5000);
    expect(recorder.states().find((s) => s.close)?.close).toEqual({ code: 4403, reason: 'sub_mismatch' });
    expect(tokens.reasons).toEqual(['connect', 'refresh', 'rejected']);
    expect(created).toHaveLength(2);
    expect(c.state).toBe('authenticated');
  });

  it('on 4429 (one socket per sub already open) backs off and gets in once the other socket closes', async () => {
    const holder = await connect(server.port, tokenFor('crowded', 3600));
    expect((await holder.next()).event).toBe('session');
    const { client: c, recorder } = client({
      getToken: () => tokenFor('crowded', 3600),
      backoff: { baseMs: 100, capMs: 400, random: () => 0.999 },
    });
    c.connect();
    await until(() => recorder.states().filter((s) => s.close?.code === 4429).length >= 3, 'three 4429 closes');
    await holder.close();
    await until(() => c.state === 'authenticated', 'a session');

    const refusals = recorder.states().filter((s) => s.close?.code === 4429);
    expect(refusals[0].close).toEqual({ code: 4429, reason: 'too_many_connections' });
    expect(refusals.slice(0, 3).map((s) => s.delayMs)).toEqual([99, 199, 399]);
    expect(recorder.of('error').every((e) => !e.data.fatal)).toBe(true);
  });
});

describe('backoff', () => {
  it('grows exponentially to the cap, and each wait is measured at its announced delay', async () => {
    // Nothing listens on this port: every attempt ends at once with 1006.
    const port = await freePort();
    const {
      client: c,
      created,
      recorder,
    } = client({ getToken: () => 't', backoff: { baseMs: 100, capMs: 800, random: () => 0.999 } }, port);
    c.connect();
    await until(() => created.length >= 7, 'seven attempts', 15_000);
    c.close();

    const waits = recorder
      .of('state')
      .filter((e) => e.data.state === 'reconnecting')
      .slice(0, 6);
    expect(waits.map((e) => e.data.close.code)).toEqual([1006, 1006, 1006, 1006, 1006, 1006]);
    expect(waits.map((e) => e.data.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(waits.map((e) => e.data.delayMs)).toEqual([99, 199, 399, 799, 799, 799]);
    waits.forEach((wait, i) => {
      const measured = created[i + 1] - wait.at;
      // A timer never fires early; a late one on a busy machine is allowed some slack.
      expect(measured).toBeGreaterThanOrEqual(wait.data.delayMs - 2);
      expect(measured).toBeLessThan(wait.data.delayMs * 1.5 + 100);
    });
  }, 30_000);

  it('jitters each delay uniformly within its window (full jitter), never over the cap', async () => {
    const port = await freePort();
    const { client: c, created, recorder } = client({ getToken: () => 't', backoff: { baseMs: 40, capMs: 160 } }, port);
    c.connect();
    await until(() => created.length >= 16, 'sixteen attempts', 15_000);
    c.close();

    const waits = recorder
      .states()
      .filter((s) => s.state === 'reconnecting')
      .slice(0, 15);
    for (const wait of waits) {
      const window = Math.min(160, 40 * 2 ** (wait.attempt! - 1));
      expect(wait.delayMs).toBeGreaterThanOrEqual(0);
      expect(wait.delayMs).toBeLessThan(window);
    }
    // Twelve capped attempts with Math.random: not all the same delay.
    expect(new Set(waits.slice(3).map((w) => w.delayMs)).size).toBeGreaterThan(3);
  }, 30_000);

  it('backoffDelay is random × min(cap, base × 2^(attempt-1))', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 500, 30_000, () => 0.5))).toEqual([250, 500, 1000, 2000, 4000]);
    expect(backoffDelay(20, 500, 30_000, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(3, 500, 30_000, () => 0)).toBe(0);
  });
});

describe('frames sent before the session', () => {
  it('wait in a bounded queue and go out after the session; one more is refused with queue_full', async () => {
    const { client: c, recorder } = client({ getToken: () => tokenFor('queuer', 3600), maxQueuedFrames: 5 });
    c.connect();
    // Sent at once, before the session: a whoami reaching the server now would be
    // refused with auth_required (4401), so a session proves they waited.
    const results = Array.from({ length: 6 }, () => c.send('whoami'));
    expect(results).toEqual([true, true, true, true, true, false]);
    const full = recorder.of('error').map((e) => e.data as GatehouseError);
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ reason: 'queue_full', fatal: false });
    expect(full[0].message).toMatch(/"whoami" not sent: 5 frames already wait for a session \(maxQueuedFrames\)/);

    await until(() => recorder.sessions().length === 6, 'the session and five answers');
    await sleep(300);
    expect(recorder.sessions()).toHaveLength(6);
    expect(recorder.states().map((s) => s.state)).toEqual(['connecting', 'authenticated']);
  });

  it('are reported, not silently dropped, when close() discards them; send() after close() is refused', async () => {
    const port = await freePort();
    const { client: c, recorder } = client({ getToken: () => 't' }, port);
    c.connect();
    c.send('a');
    c.send('b', { x: 1 });
    c.close();
    expect(c.send('c')).toBe(false);
    const errors = recorder.of('error').map((e) => e.data as GatehouseError);
    expect(errors.map((e) => e.reason)).toEqual(['frames_discarded', 'not_connected']);
    expect(errors[0].message).toMatch(/^2 frame\(s\)/);
    expect(recorder.states().at(-1)).toEqual({ state: 'closed', close: { code: 1000, reason: 'client_closed' } } satisfies StateChange);
  });
});

describe('fetch', () => {
  function countingFetch() {
    const authorizations: string[] = [];
    const fetchImpl = (input: string | URL | Request, init?: RequestInit) => {
      authorizations.push(new Headers(init?.headers).get('authorization') ?? '');
      return fetch(input, init);
    };
    return { authorizations, fetchImpl };
  }

  it('adds the bearer token; after 401 token_expired it gets a new token and retries once', async () => {
    const expired = unsignedToken({ sub: 'fetcher', exp: now() - 60 });
    const fresh = tokenFor('fetcher', 3600);
    const tokens = tokenSource((reason) => (reason === 'expired' ? fresh : expired));
    const { authorizations, fetchImpl } = countingFetch();
    const c = new GatehouseClient({ url: wsUrl(server.port), getToken: tokens.getToken, WebSocket, fetch: fetchImpl });

    const res = await c.fetch(`${server.url}/api/session`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect((await res.json()).sub).toBe('fetcher');
    expect(tokens.reasons).toEqual(['connect', 'expired']);
    expect(authorizations).toEqual([`Bearer ${expired}`, `Bearer ${fresh}`]);
    // The next call uses the fresh token at once.
    expect((await c.fetch(`${server.url}/api/session`)).status).toBe(200);
    expect(authorizations).toHaveLength(3);
  });

  it('retries only once, and never for another 401', async () => {
    const { authorizations, fetchImpl } = countingFetch();
    const always = new GatehouseClient({
      url: wsUrl(server.port),
      getToken: () => unsignedToken({ sub: 'x', exp: now() - 60 }),
      WebSocket,
      fetch: fetchImpl,
    });
    const res = await always.fetch(`${server.url}/api/session`);
    expect(res.status).toBe(401);
    expect((await res.json()).reason).toBe('token_expired'); // the body is still readable
    expect(authorizations).toHaveLength(2);

    const malformed = new GatehouseClient({ url: wsUrl(server.port), getToken: () => 'garbage', WebSocket, fetch: fetchImpl });
    const refused = await malformed.fetch(`${server.url}/api/session`);
    expect(refused.status).toBe(401);
    expect((await refused.json()).reason).toBe('token_malformed');
    expect(authorizations).toHaveLength(3);
  });

  it('rejects with the reason when getToken fails', async () => {
    const c = new GatehouseClient({
      url: wsUrl(server.port),
      getToken: () => Promise.reject(new Error('signed out')),
      WebSocket,
    });
    await expect(c.fetch(`${server.url}/api/session`)).rejects.toThrow(/getToken\("connect"\) failed: signed out/);
  });
});
