import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { now, unsignedToken } from './support/tokens.js';
import { connect, refusedUpgrade } from './support/ws-client.js';

// The WebSocket side of operations: the same failed-authentication limit as REST (per
// client address, 429 at the upgrade) and the socket metrics.
describe('WebSocket limits and metrics', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({
      AUTH_MODE: 'insecure',
      AUTH_FAIL_LIMIT: '2',
      AUTH_FAIL_WINDOW_SECONDS: '60',
      WS_EXPIRY_NOTICE_SECONDS: '0',
      AUTH_JWT_CLOCK_TOLERANCE: '0',
    });
  });
  afterAll(() => server.app.close());

  const metric = async (name: string): Promise<number> => {
    const text = (await request(server.url).get('/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line === undefined ? Number.NaN : Number(line.split(' ').pop());
  };

  it('counts open sockets, sessions, refreshes and expiry closes', async () => {
    const alice = await connect(server.port, unsignedToken({ sub: 'alice', exp: now() + 3600 }));
    expect((await alice.next()).event).toBe('session');
    expect(await metric('gatehouse_ws_open_sockets')).toBe(1);
    expect(await metric('gatehouse_ws_authenticated_sessions')).toBe(1);
    expect(await metric('gatehouse_auth_total{transport="ws",outcome="accepted",reason="none"}')).toBe(1);

    alice.auth(unsignedToken({ sub: 'alice', exp: now() + 7200 }));
    expect((await alice.next()).event).toBe('session');
    expect(await metric('gatehouse_ws_session_refreshes_total')).toBe(1);
    await alice.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await metric('gatehouse_ws_open_sockets')).toBe(0);
    expect(await metric('gatehouse_ws_authenticated_sessions')).toBe(0);

    const brief = await connect(server.port, unsignedToken({ sub: 'bob', exp: now() + 1 }));
    expect(await brief.closed).toEqual({ code: 4001, reason: 'token_expired' });
    expect(await metric('gatehouse_ws_expiry_closes_total')).toBe(1);
  });

  it('refused tokens count against the address; over the limit the upgrade gets 429', async () => {
    for (let i = 0; i < 2; i++) {
      const client = await connect(server.port);
      client.auth('not-a-token');
      expect(await client.closed).toEqual({ code: 4401, reason: 'token_malformed' });
    }
    expect(await metric('gatehouse_auth_total{transport="ws",outcome="rejected",reason="token_malformed"}')).toBe(2);
    const refused = await refusedUpgrade(server.port, { Authorization: 'Bearer not-a-token' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ statusCode: 429, reason: 'rate_limited' });
    // A further bad auth frame from that address: error rate_limited, close 4429.
    const guesser = await connect(server.port);
    guesser.auth('still-not-a-token');
    expect(await guesser.closed).toEqual({ code: 4429, reason: 'rate_limited' });
    // REST from the same address is limited too: one limit per address.
    const rest = await request(server.url).get('/api/session').set('Authorization', 'Bearer not-a-token');
    expect(rest.status).toBe(429);
    // A valid token is accepted from that address all the same, at the upgrade and by REST.
    const carol = await connect(server.port, unsignedToken({ sub: 'carol' }));
    expect(await carol.next()).toMatchObject({ event: 'session', data: { sub: 'carol' } });
    await carol.close();
    const ok = await request(server.url)
      .get('/api/session')
      .set('Authorization', `Bearer ${unsignedToken({ sub: 'carol' })}`);
    expect(ok.status).toBe(200);
  });
});

describe('WebSocket expiry agrees with REST', () => {
  let live: RunningApp;
  beforeAll(async () => {
    live = await startApp({ AUTH_MODE: 'insecure', AUTH_JWT_CLOCK_TOLERANCE: '0', WS_EXPIRY_NOTICE_SECONDS: '0' });
  });
  afterAll(() => live.app.close());

  it('a live session with a fractional exp closes exactly when REST starts refusing its token', async () => {
    const token = unsignedToken({ sub: 'dora', exp: now() + 1.5 });
    const client = await connect(live.port, token);
    let closedAt = 0;
    void client.closed.then(() => (closedAt = Date.now()));
    const rest = () => request(live.url).get('/api/session').set('Authorization', `Bearer ${token}`);
    // Poll REST until it refuses the token; the socket must be closed by then (give or take a poll).
    let res = await rest();
    while (res.status === 200) {
      await new Promise((r) => setTimeout(r, 50));
      res = await rest();
    }
    const refusedAt = Date.now();
    expect(res.body.reason).toBe('token_expired');
    expect(await client.closed).toEqual({ code: 4001, reason: 'token_expired' });
    expect(Math.abs(closedAt - refusedAt)).toBeLessThan(300);
  });
});
