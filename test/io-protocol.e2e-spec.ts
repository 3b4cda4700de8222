import request from 'supertest';
import { AuthFailure } from '../src/lib/core/auth-failure.js';
import { WsSessions } from '../src/lib/ws/ws-sessions.service.js';
import { startApp, type RunningApp, type TestEnv } from './support/app.js';
import { IO_TRANSPORTS, ioAuthenticated, ioConnect, ioRefused, ioSocket, IoClient, type IoTransport } from './support/io-client.js';
import { now, signedToken, unsignedToken } from './support/tokens.js';

// docs/protocol.md §12 with the real socket.io-client, over long-polling and over
// WebSocket: the handshake (auth.token or Authorization), every refusal as
// connect_error {reason, message}, every row of §5's event tables, the timers, the
// limits of §10, and a live session closed when it becomes invalid (revocation).

const KEY = 'gatehouse-io-test-secret-0123456789abcdef';
const sign = (payload: object, key = KEY) =>
  signedToken({ iat: now(), exp: now() + 600, iss: 'gatehouse-tests', ...payload }, { alg: 'HS256', key });
const token = (sub: string, extra: Record<string, unknown> = {}) => unsignedToken({ sub, ...extra });

function useApp(env: TestEnv): () => RunningApp {
  let running: RunningApp | undefined;
  beforeAll(async () => {
    running = await startApp({ WS_TRANSPORT: 'socket.io', ...env });
  });
  afterAll(() => running?.app.close());
  return () => running!;
}

/** The client saw `error` with this reason, then the server's disconnect (in that order). */
async function expectRefused(client: IoClient, data: { reason: string; message?: string }): Promise<void> {
  expect(await client.next()).toEqual({ event: 'error', data: expect.objectContaining(data) });
  expect(await client.disconnected).toBe('io server disconnect');
  expect(client.events.at(-1)).toEqual({ event: 'disconnect', data: 'io server disconnect' });
}

const insecure = useApp({ AUTH_MODE: 'insecure', AUTH_JWT_CLOCK_TOLERANCE: '0', WS_EXPIRY_NOTICE_SECONDS: '2' });
const secure = useApp({ AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: KEY, AUTH_JWT_ISS: 'gatehouse-tests' });
const limited = useApp({ AUTH_MODE: 'insecure', AUTH_FAIL_LIMIT: '2', AUTH_FAIL_WINDOW_SECONDS: '60', WS_MAX_SOCKETS_PER_SUB: '2' });

describe.each(IO_TRANSPORTS)('Socket.IO over %s', (transport: IoTransport) => {
  const url = () => insecure().url;

  describe('the handshake', () => {
    it('auth.token: connected, and the first event is the session', async () => {
      const exp = now() + 600;
      const client = await ioConnect(url(), { transport, token: token('alice', { exp }) });
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice', expiresAt: exp, authMode: 'insecure' } });
      client.emit('whoami');
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice' } });
      client.close();
    });

    it('an Authorization: Bearer header: the same session', async () => {
      const client = await ioConnect(url(), { transport, extraHeaders: { Authorization: `Bearer ${token('bob')}` } });
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'bob' } });
      client.close();
    });

    it('auth.token wins over the header', async () => {
      const client = await ioConnect(url(), { transport, token: token('carol'), extraHeaders: { Authorization: 'Bearer x.y' } });
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'carol' } });
      client.close();
    });

    it('no token at all: connect_error token_missing, and what the client sent never reaches a handler', async () => {
      const socket = ioSocket(url(), { transport });
      const client = new IoClient(socket);
      socket.emit('whoami'); // buffered by the client until a connect that never comes
      const refusal = await new Promise<{ message: string; data?: unknown }>((resolve) => socket.once('connect_error', resolve));
      expect(refusal.message).toBe('Missing bearer token');
      expect(refusal.data).toEqual({ reason: 'token_missing', message: 'Missing bearer token' });
      expect(socket.active).toBe(false); // a refusal is final: the client does not retry on its own
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(client.events).toEqual([]);
      socket.close();
    });

    it('an empty or non-string auth.token is no token', async () => {
      expect((await ioRefused(url(), { transport, auth: { token: '' } })).data.reason).toBe('token_missing');
      expect((await ioRefused(url(), { transport, auth: { token: 42 } })).data.reason).toBe('token_missing');
    });
  });

  describe('every token failure of §3 at the handshake (secure mode, HS256)', () => {
    const cases: [string, () => string, string, string][] = [
      ['malformed', () => 'a.b', 'token_malformed', 'Invalid token'],
      [
        'alg none',
        () => unsignedToken({ sub: 'eve', iat: now(), exp: now() + 60, iss: 'gatehouse-tests' }),
        'alg_not_allowed',
        'Signing algorithm mismatch',
      ],
      ['wrong key', () => sign({ sub: 'eve' }, 'another-secret-that-is-long-enough-000'), 'signature_invalid', 'Invalid token signature'],
      ['expired', () => sign({ sub: 'eve', exp: now() - 60 }), 'token_expired', 'Expired token'],
      ['not yet valid', () => sign({ sub: 'eve', nbf: now() + 600 }), 'token_not_yet_valid', 'Token is not yet valid'],
      ['wrong issuer', () => sign({ sub: 'eve', iss: 'someone-else' }), 'claim_invalid', 'Invalid "iss" claim value: "someone-else"'],
      ['missing issuer', () => sign({ sub: 'eve', iss: undefined }), 'claim_missing', 'Missing required "iss" claim'],
      ['no sub', () => sign({}), 'sub_invalid', "Missing or invalid 'sub' claim"],
    ];

    it.each(cases)('%s: connect_error {reason, message}', async (_name, make, reason, message) => {
      const refusal = await ioRefused(secure().url, { transport, token: make() });
      expect(refusal).toEqual({ message, data: { reason, message } });
    });

    it.each(cases.slice(0, 2))('%s in the Authorization header: the same refusal', async (_name, make, reason, message) => {
      const refusal = await ioRefused(secure().url, { transport, extraHeaders: { Authorization: `Bearer ${make()}` } });
      expect(refusal.data).toEqual({ reason, message });
    });

    it('a valid signed token connects', async () => {
      const client = await ioConnect(secure().url, { transport, token: sign({ sub: 'frank' }) });
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'frank', authMode: 'secure' } });
      client.close();
    });
  });

  describe('events from the client, after auth', () => {
    it('unknown events are ignored; the socket keeps working', async () => {
      const client = await ioAuthenticated(url(), { transport, token: token('gina') });
      client.emit('no_such_event', 1);
      client.emit('whoami');
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'gina' } });
      expect(client.events).toHaveLength(2);
      client.close();
    });

    it('auth with the same sub refreshes: new expiresAt, the session event', async () => {
      const client = await ioAuthenticated(url(), { transport, token: token('hank', { exp: now() + 100 }) });
      const later = now() + 900;
      client.auth(token('hank', { exp: later, v: 2 }));
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'hank', expiresAt: later, claims: { v: 2 } } });
      client.emit('whoami');
      expect(await client.next()).toMatchObject({ data: { expiresAt: later } });
      client.close();
    });

    it('auth with another sub: error sub_mismatch, then disconnect', async () => {
      const client = await ioAuthenticated(url(), { transport, token: token('ivan') });
      client.auth(token('mallory'));
      await expectRefused(client, { reason: 'sub_mismatch' });
    });

    it('events right behind an auth frame see its outcome (no answer for a refused session)', async () => {
      const client = await ioAuthenticated(url(), { transport, token: token('ivy') });
      client.auth(token('mallory'));
      client.emit('whoami');
      await expectRefused(client, { reason: 'sub_mismatch' });
      expect(client.events.filter((e) => e.event === 'session')).toHaveLength(1);
    });

    it('refresh with an expired token: token_expired', async () => {
      const client = await ioAuthenticated(url(), { transport, token: token('judy') });
      client.auth(token('judy', { exp: now() - 60 }));
      await expectRefused(client, { reason: 'token_expired', message: 'Expired token' });
    });

    it('refresh with an invalid token, or none: its reason', async () => {
      const kim = await ioAuthenticated(url(), { transport, token: token('kim') });
      kim.auth('x.y');
      await expectRefused(kim, { reason: 'token_malformed' });
      const lee = await ioAuthenticated(url(), { transport, token: token('lee') });
      lee.emit('auth', {});
      await expectRefused(lee, { reason: 'token_missing' });
    });

    it('an event whose name is not a string: bad_message', async () => {
      const client = await ioAuthenticated(url(), { transport, token: token('max') });
      (client.socket.emit as (...args: unknown[]) => unknown)(7, 'x');
      await expectRefused(client, { reason: 'bad_message' });
    });
  });

  describe('events from the server over time (WS_EXPIRY_NOTICE_SECONDS=2, no clock tolerance)', () => {
    it('session_expiring before exp, then error token_expired and disconnect at exp', async () => {
      const exp = now() + 3;
      const client = await ioAuthenticated(url(), { transport, token: token('paul', { exp }) });
      const notice = await client.next();
      expect(notice).toMatchObject({ event: 'session_expiring', data: { expiresAt: exp } });
      expect(notice.data.serverTime).toBeGreaterThanOrEqual(exp - 3);
      expect(notice.data.serverTime).toBeLessThanOrEqual(exp - 1);
      await expectRefused(client, { reason: 'token_expired', message: 'Expired token' });
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
      expect(client.events.filter((e) => e.event === 'session_expiring')).toHaveLength(1);
    });

    it('a refresh re-arms the notice and pushes the disconnect back', async () => {
      const client = await ioAuthenticated(url(), { transport, token: token('quinn', { exp: now() + 3 }) });
      expect((await client.next()).event).toBe('session_expiring');
      const exp = now() + 4;
      client.auth(token('quinn', { exp }));
      expect(await client.next()).toMatchObject({ event: 'session', data: { expiresAt: exp } });
      expect(await client.next(6000)).toMatchObject({ event: 'session_expiring', data: { expiresAt: exp } });
      expect(client.socket.connected).toBe(true); // the first token's exp has passed
      client.close();
    });
  });

  describe('limits (WS_MAX_SOCKETS_PER_SUB=2, AUTH_FAIL_LIMIT=2)', () => {
    it('one socket too many for a sub: connect_error too_many_connections; a closed one frees its place', async () => {
      const sub = `rose-${transport}`;
      const first = await ioAuthenticated(limited().url, { transport, token: token(sub) });
      const second = await ioAuthenticated(limited().url, { transport, token: token(sub) });
      const refusal = await ioRefused(limited().url, { transport, token: token(sub) });
      expect(refusal.data).toEqual({ reason: 'too_many_connections', message: 'Too many open connections for this user' });
      second.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const third = await ioAuthenticated(limited().url, { transport, token: token(sub) });
      first.close();
      third.close();
    });

    it('failing handshakes count against the address: rate_limited; a valid token is still accepted', async () => {
      const refusals = [];
      for (let i = 0; i < 3; i++) refusals.push(await ioRefused(limited().url, { transport, token: 'x.y' }));
      expect(refusals.at(-1)?.data).toEqual({
        reason: 'rate_limited',
        message: expect.stringMatching(/^Too many failed authentication attempts; retry in \d+ s$/),
      });
      const client = await ioAuthenticated(limited().url, { transport, token: token(`sue-${transport}`) });
      client.close();
    });
  });

  it('a live session that becomes invalid (revocation) gets error with the reason, then disconnect; others stay', async () => {
    const eve = await ioAuthenticated(url(), { transport, token: token('eve-revoked') });
    const other = await ioAuthenticated(url(), { transport, token: token('olga') });
    const revoked = new AuthFailure('token_revoked', 'Token has been revoked');
    const closed = insecure()
      .app.get(WsSessions)
      .revalidate((session) => (session.sub === 'eve-revoked' ? revoked : undefined));
    expect(closed).toBe(1);
    await expectRefused(eve, { reason: 'token_revoked', message: 'Token has been revoked' });
    other.emit('whoami');
    expect(await other.next()).toMatchObject({ event: 'session', data: { sub: 'olga' } });
    other.close();
  });

  it('open sockets and sessions are counted, and released on disconnect', async () => {
    const metric = async (name: string): Promise<number> => {
      const text = (await request(limited().url).get('/metrics')).text;
      return Number(
        text
          .split('\n')
          .find((line) => line.startsWith(name))
          ?.split(' ')
          .pop(),
      );
    };
    const before = await metric('gatehouse_ws_open_sockets');
    const client = await ioAuthenticated(limited().url, { transport, token: token(`tom-${transport}`) });
    expect(await metric('gatehouse_ws_open_sockets')).toBe(before + 1);
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await metric('gatehouse_ws_open_sockets')).toBe(before);
    expect(await metric('gatehouse_ws_authenticated_sessions')).toBe(before);
  });
});
