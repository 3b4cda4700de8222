import { startApp, type RunningApp } from './support/app.js';
import { now, payloadOf, signedToken, unsignedToken } from './support/tokens.js';
import { connect, refusedUpgrade } from './support/ws-client.js';

// Secure mode (HS256): the same token rules as REST decide over WebSocket, at the
// upgrade (HTTP 401) and in the first frame (error event + close).

const KEY = 'gatehouse-ws-test-secret-0123456789abcdef';
const sign = (payload: object, key = KEY) => signedToken({ iat: now(), exp: now() + 600, ...payload }, { alg: 'HS256', key });

describe('WebSocket, secure mode (HS256)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: KEY, AUTH_JWT_ISS: 'gatehouse-tests' });
  });
  afterAll(() => running.app.close());

  it('a valid header token opens the socket; the first frame is the session', async () => {
    const token = sign({ sub: 'alice', iss: 'gatehouse-tests' });
    const { exp } = payloadOf(token) as { exp: number };
    const client = await connect(running.port, token);
    const frame = await client.next();
    expect(frame).toMatchObject({ event: 'session', data: { sub: 'alice', expiresAt: exp, authMode: 'secure' } });
    expect(frame.data.claims).toMatchObject({ sub: 'alice', iss: 'gatehouse-tests' });
    await client.close();
  });

  it('a valid first-frame token authenticates', async () => {
    const client = await connect(running.port);
    client.auth(sign({ sub: 'bob', iss: 'gatehouse-tests' }));
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'bob', authMode: 'secure' } });
    client.send({ event: 'whoami' });
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'bob' } });
    await client.close();
  });

  const cases: [string, () => string, string, string][] = [
    ['malformed', () => 'a.b', 'token_malformed', 'Invalid token'],
    [
      'alg none',
      () => unsignedToken({ sub: 'eve', iat: now(), exp: now() + 60, iss: 'gatehouse-tests' }),
      'alg_not_allowed',
      'Signing algorithm mismatch',
    ],
    [
      'wrong key',
      () => sign({ sub: 'eve', iss: 'gatehouse-tests' }, 'another-secret-that-is-long-enough-000'),
      'signature_invalid',
      'Invalid token signature',
    ],
    ['expired', () => sign({ sub: 'eve', iss: 'gatehouse-tests', exp: now() - 60 }), 'token_expired', 'Expired token'],
    ['wrong issuer', () => sign({ sub: 'eve', iss: 'someone-else' }), 'claim_invalid', 'Invalid "iss" claim value: "someone-else"'],
    ['missing issuer', () => sign({ sub: 'eve' }), 'claim_missing', 'Missing required "iss" claim'],
    ['no sub', () => sign({ iss: 'gatehouse-tests' }), 'sub_invalid', "Missing or invalid 'sub' claim"],
  ];

  it.each(cases)('%s in the header: HTTP 401, the contract body and WWW-Authenticate', async (_name, make, reason, message) => {
    const res = await refusedUpgrade(running.port, { Authorization: `Bearer ${make()}` });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', reason, message });
    expect(res.headers['www-authenticate']).toBe(
      `Bearer realm="gatehouse", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`,
    );
  });

  it.each(cases)('%s in the first frame: error event, then close with the reason', async (_name, make, reason, message) => {
    const client = await connect(running.port);
    client.auth(make());
    expect(await client.next()).toEqual({ event: 'error', data: { reason, message } });
    expect(await client.closed).toEqual({ code: reason === 'token_expired' ? 4001 : 4401, reason });
  });

  it('the bearer scheme is case-insensitive on the upgrade', async () => {
    const client = await connect(running.port, undefined, {
      headers: { Authorization: `bEaReR ${sign({ sub: 'carol', iss: 'gatehouse-tests' })}` },
    });
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'carol' } });
    await client.close();
  });

  it('a refresh is verified like the first token (forged signature refused)', async () => {
    const client = await connect(running.port, sign({ sub: 'dave', iss: 'gatehouse-tests' }));
    await client.next();
    client.auth(sign({ sub: 'dave', iss: 'gatehouse-tests' }, 'forged-secret-forged-secret-forged-secret'));
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'signature_invalid' } });
    expect(await client.closed).toEqual({ code: 4401, reason: 'signature_invalid' });
  });
});
