import { WebSocket } from 'ws';
import { startApp, type RunningApp, type TestEnv } from './support/app.js';
import { now, unsignedToken } from './support/tokens.js';
import { connect, refusedUpgrade, type WsClient } from './support/ws-client.js';

// Contract section 5 in insecure mode (unsigned tokens): the event tables, the
// refusals and their close codes, the timing rows with short settings, keepalive,
// and many sockets at once.

const token = (sub: string, extra: Record<string, unknown> = {}) => unsignedToken({ sub, ...extra });

function useApp(env: TestEnv): () => RunningApp {
  let running: RunningApp | undefined;
  beforeAll(async () => {
    running = await startApp({ AUTH_MODE: 'insecure', ...env });
  });
  afterAll(() => running?.app.close());
  return () => running!;
}

async function authenticated(port: number, sub: string, extra: Record<string, unknown> = {}): Promise<WsClient> {
  const client = await connect(port);
  client.auth(token(sub, extra));
  const frame = await client.next();
  expect(frame).toMatchObject({ event: 'session', data: { sub } });
  return client;
}

describe('WebSocket protocol (insecure mode)', () => {
  const app = useApp({ WS_AUTH_TIMEOUT_MS: '400', WS_MAX_PAYLOAD_BYTES: '2048' });

  describe('authenticating', () => {
    it('with a header: opens authenticated, the first frame is the session', async () => {
      const exp = now() + 600;
      const client = await connect(app().port, token('alice', { exp, role: 'admin' }));
      expect(await client.next()).toEqual({
        event: 'session',
        data: { sub: 'alice', expiresAt: exp, claims: { sub: 'alice', exp, role: 'admin' }, authMode: 'insecure' },
      });
      client.send({ event: 'whoami' });
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice', expiresAt: exp } });
      await client.close();
    });

    it('with an invalid header token: HTTP 401 with the contract body and WWW-Authenticate', async () => {
      const res = await refusedUpgrade(app().port, { Authorization: `Bearer ${token('alice', { exp: now() - 60 })}` });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="gatehouse", error="invalid_token", error_description="Expired token"');
      expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', reason: 'token_expired', message: 'Expired token' });
    });

    it('with a first frame: answered with the session event (legacy user_id, token without trailing dot)', async () => {
      const client = await connect(app().port);
      client.auth(unsignedToken({ user_id: 'bob' }, { trailingDot: false }));
      expect(await client.next()).toEqual({
        event: 'session',
        data: { sub: 'bob', expiresAt: null, claims: { user_id: 'bob' }, authMode: 'insecure' },
      });
      await client.close();
    });

    it('frames sent right behind the auth frame see its outcome', async () => {
      const client = await connect(app().port);
      client.auth(token('carol'));
      client.send({ event: 'whoami' });
      expect((await client.next()).event).toBe('session');
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'carol' } });
      await client.close();
    });

    it.each([
      ['a malformed token', 'not-a-jwt', 'token_malformed', 'Invalid token'],
      ['an expired token', token('dave', { exp: now() - 60 }), 'token_expired', 'Expired token'],
      ['a token not yet valid', token('dave', { nbf: now() + 600 }), 'token_not_yet_valid', 'Token is not yet valid'],
      ['a token without sub', unsignedToken({ name: 'dave' }), 'sub_invalid', "Missing or invalid 'sub' claim"],
    ])('a first frame with %s: error event, then close with the reason', async (_name, jwt, reason, message) => {
      const client = await connect(app().port);
      client.auth(jwt);
      expect(await client.next()).toEqual({ event: 'error', data: { reason, message } });
      expect(await client.closed).toEqual({ code: reason === 'token_expired' ? 4001 : 4401, reason });
    });

    it('an auth frame without a token: token_missing, 4401', async () => {
      const client = await connect(app().port);
      client.send({ event: 'auth', data: {} });
      expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'token_missing' } });
      expect(await client.closed).toEqual({ code: 4401, reason: 'token_missing' });
    });

    it('no auth frame within WS_AUTH_TIMEOUT_MS: auth_timeout, 4408', async () => {
      const started = Date.now();
      const client = await connect(app().port);
      expect(await client.next()).toEqual({
        event: 'error',
        data: { reason: 'auth_timeout', message: 'No valid auth frame within 400 ms' },
      });
      expect(await client.closed).toEqual({ code: 4408, reason: 'auth_timeout' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    });

    it('an authenticated socket outlives WS_AUTH_TIMEOUT_MS', async () => {
      const client = await authenticated(app().port, 'erin');
      await new Promise((resolve) => setTimeout(resolve, 600));
      client.send({ event: 'whoami' });
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'erin' } });
      await client.close();
    });

    it('a header that is not a Bearer token is ignored: first-frame auth applies', async () => {
      const client = await connect(app().port, undefined, { headers: { Authorization: 'Basic YTpi' } });
      client.auth(token('frank'));
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'frank' } });
      await client.close();
    });

    it('another path than /ws is not upgraded', async () => {
      const res = await refusedUpgrade(app().port, {}, '/elsewhere');
      expect(res.status).toBe(404);
    });
  });

  describe('events before auth', () => {
    it.each(['whoami', 'something_else'])('%s is refused with auth_required, 4401', async (event) => {
      const client = await connect(app().port);
      client.send({ event, data: {} });
      expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'auth_required' } });
      expect(await client.closed).toEqual({ code: 4401, reason: 'auth_required' });
    });
  });

  describe('events after auth', () => {
    it('unknown events are ignored; the socket keeps working', async () => {
      const client = await authenticated(app().port, 'gina');
      client.send({ event: 'no_such_event', data: 1 });
      client.send({ event: 'whoami' });
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'gina' } });
      expect(client.frames).toHaveLength(2);
      await client.close();
    });

    it('auth with the same sub refreshes: new expiresAt, session event', async () => {
      const client = await authenticated(app().port, 'hank', { exp: now() + 100 });
      const later = now() + 900;
      client.auth(token('hank', { exp: later, v: 2 }));
      expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'hank', expiresAt: later, claims: { v: 2 } } });
      client.send({ event: 'whoami' });
      expect(await client.next()).toMatchObject({ data: { expiresAt: later } });
      await client.close();
    });

    it('auth with another sub: sub_mismatch, 4403', async () => {
      const client = await authenticated(app().port, 'ivan');
      client.auth(token('mallory'));
      expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'sub_mismatch' } });
      expect(await client.closed).toEqual({ code: 4403, reason: 'sub_mismatch' });
    });

    it('refresh with an expired token: token_expired, 4001', async () => {
      const client = await authenticated(app().port, 'judy');
      client.auth(token('judy', { exp: now() - 60 }));
      expect(await client.next()).toEqual({ event: 'error', data: { reason: 'token_expired', message: 'Expired token' } });
      expect(await client.closed).toEqual({ code: 4001, reason: 'token_expired' });
    });

    it('refresh with an invalid token: its reason, 4401', async () => {
      const client = await authenticated(app().port, 'kim');
      client.auth('x.y');
      expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'token_malformed' } });
      expect(await client.closed).toEqual({ code: 4401, reason: 'token_malformed' });
    });
  });

  describe('bad frames', () => {
    it.each([
      ['not JSON', 'hello'],
      ['a JSON array', '[1,2]'],
      ['a JSON string', '"whoami"'],
      ['no event', '{"data":1}'],
      ['a non-string event', '{"event":42}'],
      ['an empty event', '{"event":""}'],
    ])('%s: bad_message, 1007', async (_name, text) => {
      const client = await authenticated(app().port, 'leo');
      client.send(text);
      expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'bad_message' } });
      expect(await client.closed).toEqual({ code: 1007, reason: 'bad_message' });
    });

    it('a binary frame: bad_message, 1007 (also before auth)', async () => {
      const client = await connect(app().port);
      client.ws.send(Buffer.from('{"event":"whoami"}'), { binary: true });
      expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'bad_message' } });
      expect(await client.closed).toEqual({ code: 1007, reason: 'bad_message' });
    });

    it('a frame over WS_MAX_PAYLOAD_BYTES: close 1009; one just under is fine', async () => {
      const client = await authenticated(app().port, 'mia');
      client.send({ event: 'whoami', data: 'x'.repeat(1900) });
      expect(await client.next()).toMatchObject({ event: 'session' });
      client.send({ event: 'whoami', data: 'x'.repeat(3000) });
      expect((await client.closed).code).toBe(1009);
    });

    it("one client's bad frames do not disturb another", async () => {
      const good = await authenticated(app().port, 'nina');
      const bad = await authenticated(app().port, 'oscar');
      bad.send('{{{');
      bad.ws.send(Buffer.alloc(5000));
      await bad.closed;
      good.send({ event: 'whoami' });
      expect(await good.next()).toMatchObject({ event: 'session', data: { sub: 'nina' } });
      await good.close();
    });
  });

  it('300 concurrent sockets all authenticate, half by header, half by first frame', async () => {
    const count = 300;
    const clients = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const sub = `user-${i}`;
        if (i % 2 === 0) return { sub, client: await connect(app().port, token(sub)) };
        const client = await connect(app().port);
        client.auth(token(sub));
        return { sub, client };
      }),
    );
    const sessions = await Promise.all(clients.map(({ client }) => client.next(15_000)));
    sessions.forEach((frame, i) => expect(frame).toMatchObject({ event: 'session', data: { sub: clients[i].sub } }));
    await Promise.all(clients.map(({ client }) => client.close()));
  }, 60_000);
});

describe('session expiry (insecure mode, no clock tolerance)', () => {
  const app = useApp({ AUTH_JWT_CLOCK_TOLERANCE: '0', WS_EXPIRY_NOTICE_SECONDS: '2' });

  it('session_expiring WS_EXPIRY_NOTICE_SECONDS before exp, then token_expired and 4001 at exp', async () => {
    const exp = now() + 3;
    const client = await authenticated(app().port, 'paul', { exp });
    const notice = await client.next();
    const noticeAt = Date.now();
    expect(notice.event).toBe('session_expiring');
    expect(notice.data.expiresAt).toBe(exp);
    expect(notice.data.serverTime).toBeGreaterThanOrEqual(exp - 3);
    expect(notice.data.serverTime).toBeLessThanOrEqual(exp - 1);
    expect(noticeAt).toBeGreaterThanOrEqual((exp - 2) * 1000 - 100);
    expect(await client.next()).toEqual({ event: 'error', data: { reason: 'token_expired', message: 'Expired token' } });
    expect(await client.closed).toEqual({ code: 4001, reason: 'token_expired' });
    // Never before the token stops being valid (exp itself is still valid).
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(client.frames.filter((f) => f.event === 'session_expiring')).toHaveLength(1);
  });

  it('a refresh re-arms the notice and pushes the close back', async () => {
    const client = await authenticated(app().port, 'quinn', { exp: now() + 3 });
    expect((await client.next()).event).toBe('session_expiring');
    const exp = now() + 4;
    client.auth(token('quinn', { exp }));
    expect(await client.next()).toMatchObject({ event: 'session', data: { expiresAt: exp } });
    // The old token's exp passes without a close; the new notice names the new exp.
    const notice = await client.next(6000);
    expect(notice).toMatchObject({ event: 'session_expiring', data: { expiresAt: exp } });
    expect(Date.now()).toBeGreaterThanOrEqual((exp - 2) * 1000 - 100);
    await client.close();
  });

  it('less than WS_EXPIRY_NOTICE_SECONDS left: the notice comes at once', async () => {
    const exp = now() + 1;
    const client = await authenticated(app().port, 'rita', { exp });
    const notice = await client.next(500);
    expect(notice).toMatchObject({ event: 'session_expiring', data: { expiresAt: exp } });
    await client.close();
  });

  it('a session without exp never expires and gets no notice', async () => {
    const client = await authenticated(app().port, 'sam');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(client.frames).toHaveLength(1);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    await client.close();
  });
});

describe('keepalive (insecure mode)', () => {
  const app = useApp({ WS_PING_INTERVAL_MS: '100' });

  it('drops a peer that does not answer pings, keeps one that does', async () => {
    const silent = await connect(app().port, token('tom'), { autoPong: false });
    const alive = await connect(app().port, token('uma'));
    const closed = await silent.closed;
    expect(closed.code).toBe(1006); // terminated, no close frame
    await new Promise((resolve) => setTimeout(resolve, 300));
    alive.send({ event: 'whoami' });
    await alive.next(); // the header session
    expect(await alive.next()).toMatchObject({ event: 'session', data: { sub: 'uma' } });
    await alive.close();
  });
});
