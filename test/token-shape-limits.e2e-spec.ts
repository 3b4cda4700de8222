import { startServer, type Started } from './support/server-process.js';
import { now, signedTokenOfTexts, tokenOfTexts } from './support/tokens.js';
import { connect, refusedUpgrade } from './support/ws-client.js';

// Contract section 10, "Depth" and "crit", against `node dist/main.js` in both modes:
// claims nested past 64 levels and a `crit` header are token_malformed, over REST and
// WebSocket alike, with the usual 401 / close 4401, never a 500 or a socket left hanging.

const SECRET = 'a-secret-that-is-at-least-32-bytes-long!!';
const MALFORMED = { statusCode: 401, error: 'Unauthorized', reason: 'token_malformed', message: 'Invalid token' };

/**
 * Payload text whose nesting is `levels` deep: the payload object is level 1, and each
 * object or array inside it one more. `open`/`close` pick objects or arrays.
 */
function nestedPayload(levels: number, claims: Record<string, unknown>, kind: 'object' | 'array' = 'object'): string {
  const inner = levels - 1; // containers below the payload object
  const [open, close] = kind === 'object' ? ['{"a":', '}'] : ['[', ']'];
  const deep = inner === 0 ? '0' : `${open.repeat(inner - 1)}${kind === 'object' ? '{}' : '[]'}${close.repeat(inner - 1)}`;
  return `${JSON.stringify(claims).slice(0, -1)},"deep":${deep}}`;
}

const unsigned = (payloadText: string) => tokenOfTexts('{"alg":"none"}', payloadText, '');

const signed = (payloadText: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }) =>
  signedTokenOfTexts(JSON.stringify(header), payloadText, { alg: 'HS256', key: SECRET });

async function get(server: Started, token: string) {
  const res = await fetch(`${server.url}/api/session`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const modes = [
  {
    mode: 'insecure',
    env: { AUTH_MODE: 'insecure' },
    token: (payloadText: string) => unsigned(payloadText),
    claims: () => ({ sub: 'alice' }),
  },
  {
    mode: 'secure',
    env: { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET },
    token: (payloadText: string) => signed(payloadText),
    claims: () => ({ sub: 'alice', iat: now(), exp: now() + 600 }),
  },
] as const;

describe.each(modes)('claims nesting depth ($mode mode)', ({ env, token, claims }) => {
  let server: Started;
  beforeAll(async () => {
    // The largest tokens the server can be configured for, so that depth, not size, decides.
    server = await startServer({ ...env, AUTH_FAIL_LIMIT: '0', AUTH_MAX_TOKEN_BYTES: '65536', WS_MAX_PAYLOAD_BYTES: '131072' });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('REST: 64 levels are accepted, 65 are token_malformed', async () => {
    for (const kind of ['object', 'array'] as const) {
      const ok = await get(server, token(nestedPayload(64, claims(), kind)));
      expect(ok.status, kind).toBe(200);
      expect(ok.body.sub).toBe('alice');
      expect(await get(server, token(nestedPayload(65, claims(), kind)))).toEqual({ status: 401, body: MALFORMED });
    }
  });

  // As deep as fits in Node's 16 KiB request head.
  it('REST: claims 2,000 to 5,000 levels deep are a 401 token_malformed, not a 500', async () => {
    const cases = [
      [3_000, 'array'],
      [5_000, 'array'],
      [2_000, 'object'],
    ] as const;
    for (const [levels, kind] of cases) {
      expect(await get(server, token(nestedPayload(levels, claims(), kind))), `${levels} ${kind}`).toEqual({
        status: 401,
        body: MALFORMED,
      });
    }
    // The server is fine afterwards.
    expect((await get(server, token(nestedPayload(2, claims())))).status).toBe(200);
  });

  it('WebSocket: a deep token in the auth frame gets error token_malformed and close 4401', async () => {
    for (const [levels, kind] of [
      [3_000, 'object'],
      [3_000, 'array'],
      [5_000, 'array'],
    ] as const) {
      const client = await connect(server.port);
      client.auth(token(nestedPayload(levels, claims(), kind)));
      expect(await client.next(3000), `${levels} ${kind}`).toEqual({
        event: 'error',
        data: { reason: 'token_malformed', message: 'Invalid token' },
      });
      expect(await client.closed).toEqual({ code: 4401, reason: 'token_malformed' });
    }
  });

  it('WebSocket: a deep token in the upgrade header gets 401 token_malformed; 64 levels open the socket', async () => {
    const refused = await refusedUpgrade(server.port, { Authorization: `Bearer ${token(nestedPayload(3_000, claims(), 'array'))}` });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(MALFORMED);
    const client = await connect(server.port, token(nestedPayload(64, claims())));
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice' } });
    await client.close();
  });
});

describe('crit header', () => {
  const claims = () => JSON.stringify({ sub: 'alice', iat: now(), exp: now() + 600 });

  describe('secure mode: any crit is token_malformed (Gatehouse understands no extension)', () => {
    let server: Started;
    beforeAll(async () => {
      server = await startServer({ AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET, AUTH_FAIL_LIMIT: '0' });
    });
    afterAll(async () => {
      server.child.kill('SIGTERM');
      await server.exited;
    });

    it('accepts the same token without crit', async () => {
      expect((await get(server, signed(claims(), { alg: 'HS256', typ: 'JWT', b64: true }))).status).toBe(200);
    });

    it.each([
      ['an extension it names', { crit: ['exp'], exp: 1 }],
      ['b64 (RFC 7797)', { crit: ['b64'], b64: true }],
      ['a name the header lacks', { crit: ['http://example.com/ext'] }],
      ['an empty list', { crit: [] }],
      ['a string', { crit: 'exp' }],
      ['null', { crit: null }],
      ['an object', { crit: { exp: true } }],
    ])('crit naming %s: 401 token_malformed', async (_name, extra) => {
      expect(await get(server, signed(claims(), { alg: 'HS256', typ: 'JWT', ...extra }))).toEqual({ status: 401, body: MALFORMED });
    });

    it('over WebSocket too: error token_malformed, close 4401', async () => {
      const client = await connect(server.port);
      client.auth(signed(claims(), { alg: 'HS256', crit: ['exp'], exp: 1 }));
      expect(await client.next(3000)).toEqual({ event: 'error', data: { reason: 'token_malformed', message: 'Invalid token' } });
      expect(await client.closed).toEqual({ code: 4401, reason: 'token_malformed' });
    });
  });

  describe('insecure mode: the header is not interpreted, crit included', () => {
    let server: Started;
    beforeAll(async () => {
      server = await startServer({ AUTH_MODE: 'insecure', AUTH_FAIL_LIMIT: '0' });
    });
    afterAll(async () => {
      server.child.kill('SIGTERM');
      await server.exited;
    });

    it('accepts a token whose header names crit', async () => {
      const token = tokenOfTexts(JSON.stringify({ alg: 'none', crit: ['exp'] }), claims(), '');
      expect((await get(server, token)).status).toBe(200);
    });
  });
});
