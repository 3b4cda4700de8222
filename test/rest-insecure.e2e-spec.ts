import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { expect401 } from './support/expect-401.js';
import { rawGet } from './support/raw-http.js';
import { generateRsa, now, rawToken, segment, signedToken, tokenOfTexts, unsignedToken } from './support/tokens.js';

// Insecure mode over REST (contract sections 3 and 4), as a developer uses it.
describe('REST in insecure mode', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure' });
  });
  afterAll(() => server.app.close());

  const session = (token: string) => request(server.url).get('/api/session').set('Authorization', `Bearer ${token}`);

  it('GET /health is public', async () => {
    const res = await request(server.url).get('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it("accepts the docs' own example, as jwt.sign({ sub }, '', { algorithm: 'none' }) makes it", async () => {
    const token = unsignedToken({ sub: 'alice', iat: now() });
    const res = await session(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sub: 'alice',
      expiresAt: null,
      claims: { sub: 'alice', iat: expect.any(Number) },
      authMode: 'insecure',
    });
  });

  it('accepts an unsigned token without its trailing dot', async () => {
    const res = await session(unsignedToken({ sub: 'bob' }, { trailingDot: false }));
    expect(res.status).toBe(200);
    expect(res.body.sub).toBe('bob');
  });

  it('accepts tokens signed with any key, without checking the signature', async () => {
    const hs = signedToken({ sub: 'carol', iat: now() }, { alg: 'HS256', key: randomBytes(32) });
    const rs = signedToken({ sub: 'dave', iat: now() }, { alg: 'RS256', key: generateRsa().privateKey });
    expect((await session(hs)).body.sub).toBe('carol');
    expect((await session(rs)).body.sub).toBe('dave');
    const tampered = `${hs.slice(0, hs.lastIndexOf('.'))}.AAAA`;
    expect((await session(tampered)).status).toBe(200);
  });

  it('does not interpret the header', async () => {
    expect((await session(rawToken('not-an-object', { sub: 'a' }))).status).toBe(200);
    expect((await session(`%%%.${unsignedToken({ sub: 'a' }).split('.')[1]}`)).status).toBe(200);
  });

  it('uses the legacy user_id when there is no sub', async () => {
    const res = await session(unsignedToken({ user_id: 'legacy-1' }));
    expect(res.body.sub).toBe('legacy-1');
  });

  it('reports expiresAt from exp', async () => {
    const exp = now() + 600;
    const res = await session(unsignedToken({ sub: 'erin', exp }));
    expect(res.body.expiresAt).toBe(exp);
  });

  it('the bearer scheme is case-insensitive', async () => {
    const res = await request(server.url)
      .get('/api/session')
      .set('Authorization', `bEaReR ${unsignedToken({ sub: 'frank' })}`);
    expect(res.status).toBe(200);
  });

  it('no token: token_missing with a bare challenge', async () => {
    await expect401(server.url, undefined, 'token_missing', 'Missing bearer token');
    const basic = await request(server.url).get('/api/session').set('Authorization', 'Basic YTpi');
    expect(basic.status).toBe(401);
    expect(basic.body.reason).toBe('token_missing');
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['one part', 'abc'],
    ['four parts', `${unsignedToken({ sub: 'a' })}.x`],
    ['payload not JSON', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.'],
    ['payload an array', unsignedToken(['sub', 'a'])],
    ['payload a string', unsignedToken('alice')],
  ])('%s: token_malformed', async (_name, token) => {
    await expect401(server.url, token, 'token_malformed', 'Invalid token');
  });

  it('times are checked when present, with the default 2 s of leeway', async () => {
    await expect401(server.url, unsignedToken({ sub: 'a', exp: now() - 60 }), 'token_expired', 'Expired token');
    expect((await session(unsignedToken({ sub: 'a', exp: now() - 1 }))).status).toBe(200);
    const iat = now() + 600;
    await expect401(server.url, unsignedToken({ sub: 'a', iat }), 'claim_invalid', `Invalid "iat" claim value: ${iat}`);
    await expect401(server.url, unsignedToken({ sub: 'a', nbf: now() + 600 }), 'token_not_yet_valid', 'Token is not yet valid');
    await expect401(server.url, unsignedToken({ sub: 'a', exp: 'tomorrow' }), 'claim_invalid', 'Invalid "exp" claim value: "tomorrow"');
  });

  it('iss, aud, iat and exp are not required in insecure mode', async () => {
    expect((await session(unsignedToken({ sub: 'a', iss: 'anyone', aud: 'anything' }))).status).toBe(200);
  });

  it.each([
    ['no sub', { name: 'x' }],
    ['blank sub', { sub: '   ' }],
    ['numeric sub', { sub: 42 }],
    ['sub an object', { sub: { id: 'a' } }],
  ])('%s: sub_invalid', async (_name, payload) => {
    await expect401(server.url, unsignedToken(payload), 'sub_invalid', "Missing or invalid 'sub' claim");
  });

  it('an unknown route answers 401 without a valid token and 404 with one', async () => {
    await expect401(server.url, undefined, 'token_missing', 'Missing bearer token', '/no/such/route');
    await expect401(server.url, 'x.y', 'token_malformed', 'Invalid token', '/no/such/route');
    const res = await request(server.url)
      .get('/no/such/route')
      .set('Authorization', `Bearer ${unsignedToken({ sub: 'a' })}`);
    expect(res.status).toBe(404);
  });

  it('a hostile claim value never breaks the WWW-Authenticate header', async () => {
    const token = unsignedToken({ sub: 'a', iat: 'x"\r\nSet-Cookie: evil=1\\ é' });
    const res = await session(token);
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('claim_invalid');
    expect(res.headers['set-cookie']).toBeUndefined();
    const header = res.headers['www-authenticate'] as string;
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    const description = /error_description="([^"]*)"$/.exec(header);
    expect(description).not.toBeNull();
  });

  it('no token, however broken or large, produces a 5xx; the server stays healthy', async () => {
    const junk = [
      '',
      '.',
      '..',
      '...',
      '\u0000\u0001',
      'é.é.é',
      'eyJ.eyJ.eyJ',
      'a'.repeat(9000),
      `${'a'.repeat(4000)}.${'b'.repeat(4000)}.`,
      unsignedToken({ sub: 'a', exp: 1e308 * 10 }),
      unsignedToken({ sub: 'a', exp: null, iat: [], nbf: {} }),
      // A payload whose only sub is behind "__proto__" has no sub of its own.
      tokenOfTexts('{}', '{"__proto__":{"sub":"x"}}', ''),
      `${segment('{"sub":"a"}')}.${segment('{"sub":"a"')}`,
    ];
    for (let i = 0; i < 200; i++)
      junk.push(
        randomBytes(1 + (i % 90))
          .toString('base64url')
          .replace(/(.{7})/g, '$1.'),
      );
    for (const token of junk) {
      const status = await rawGet(server.port, '/api/session', token);
      expect(status, `token ${JSON.stringify(token.slice(0, 40))}`).toBeLessThan(500);
    }
    const reasons = new Set<string>();
    for (const token of junk.filter((t) => /^[\x21-\x7e]+$/.test(t))) {
      const res = await request(server.url).get('/api/session').set('Authorization', `Bearer ${token}`);
      expect(res.status, token).toBe(401);
      reasons.add(res.body.reason);
    }
    expect([...reasons].every((r) => ['token_malformed', 'claim_invalid', 'sub_invalid', 'token_expired'].includes(r))).toBe(true);
    expect((await request(server.url).get('/health')).status).toBe(200);
  });
});
