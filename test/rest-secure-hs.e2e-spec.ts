import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { runTokenCommand } from '../src/cli/token-command.js';
import { startApp, type RunningApp, type TestEnv } from './support/app.js';
import { expect401 } from './support/expect-401.js';
import { now, payloadOf, signedToken, unsignedToken, validFor, withPayload } from './support/tokens.js';

// Secure mode with a shared HS256 secret given in base64, an issuer, an audience and
// Electric's literal namespace key: the production setup most users start with.
const secret = randomBytes(32);
const NS = 'https://electric-sql.com/jwt/claims';
const env: TestEnv = {
  AUTH_JWT_ALG: 'HS256',
  AUTH_JWT_KEY: secret.toString('base64url'),
  AUTH_JWT_KEY_IS_BASE64_ENCODED: 'true',
  AUTH_JWT_ISS: 'https://auth.example.com/',
  AUTH_JWT_AUD: 'gatehouse',
  AUTH_JWT_NAMESPACE: NS,
};

/** Valid for an hour (iat, exp), with the claims given; HS256 with the server's secret unless told. */
const sign = (payload: object, key: Uint8Array = secret, alg: 'HS256' | 'HS512' = 'HS256') =>
  signedToken({ ...payload, ...validFor() }, { alg, key });

const good = (claims: object = { sub: 'alice' }) => sign({ [NS]: claims, iss: env.AUTH_JWT_ISS, aud: env.AUTH_JWT_AUD });

describe('REST in secure mode (HS256)', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp(env);
  });
  afterAll(() => server.app.close());

  const session = (token: string) => request(server.url).get('/api/session').set('Authorization', `Bearer ${token}`);

  it('answers the session of a valid token: claims from the namespace, exp from the top level', async () => {
    const token = good({ sub: 'alice', role: 'admin' });
    const payload = payloadOf(token);
    const res = await session(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sub: 'alice',
      expiresAt: payload.exp,
      claims: { sub: 'alice', role: 'admin' },
      authMode: 'secure',
    });
  });

  it('refuses unsigned tokens, the "none" algorithm and other algorithms', async () => {
    await expect401(server.url, unsignedToken({ sub: 'a', iat: now() }), 'alg_not_allowed', 'Signing algorithm mismatch');
    await expect401(server.url, unsignedToken({ sub: 'a' }), 'alg_not_allowed', 'Signing algorithm mismatch');
    await expect401(server.url, sign({ [NS]: { sub: 'a' } }, randomBytes(64), 'HS512'), 'alg_not_allowed');
  });

  it('an unsigned token without its trailing dot is malformed in secure mode', async () => {
    await expect401(server.url, unsignedToken({ sub: 'a' }, { trailingDot: false }), 'token_malformed', 'Invalid token');
  });

  it('refuses a wrong key and a tampered payload', async () => {
    const wrongKey = sign({ [NS]: { sub: 'a' }, iss: env.AUTH_JWT_ISS, aud: env.AUTH_JWT_AUD }, randomBytes(32));
    await expect401(server.url, wrongKey, 'signature_invalid', 'Invalid token signature');
    const forged = withPayload(good(), {
      [NS]: { sub: 'root' },
      iat: now(),
      exp: now() + 60,
      iss: env.AUTH_JWT_ISS,
      aud: env.AUTH_JWT_AUD,
    });
    await expect401(server.url, forged, 'signature_invalid');
  });

  it('checks times before issuer and required claims', async () => {
    // Expired and without iss/aud: the time check comes first.
    const expired = signedToken({ [NS]: { sub: 'a' }, exp: now() - 60, iat: now() - 120 }, { alg: 'HS256', key: secret });
    await expect401(server.url, expired, 'token_expired', 'Expired token');
  });

  it('requires exp and iat, then iss and aud', async () => {
    const noExp = signedToken(
      { [NS]: { sub: 'a' }, iss: env.AUTH_JWT_ISS, aud: env.AUTH_JWT_AUD, iat: now() },
      { alg: 'HS256', key: secret },
    );
    await expect401(server.url, noExp, 'claim_missing', 'Missing required "exp" claim');
    const noIat = signedToken(
      { [NS]: { sub: 'a' }, exp: now() + 60, iss: env.AUTH_JWT_ISS, aud: env.AUTH_JWT_AUD },
      { alg: 'HS256', key: secret },
    );
    await expect401(server.url, noIat, 'claim_missing', 'Missing required "iat" claim');
    await expect401(server.url, sign({ [NS]: { sub: 'a' }, aud: env.AUTH_JWT_AUD }), 'claim_missing', 'Missing required "iss" claim');
    await expect401(server.url, sign({ [NS]: { sub: 'a' }, iss: env.AUTH_JWT_ISS }), 'claim_missing', 'Missing required "aud" claim');
  });

  it('checks iss and aud values', async () => {
    await expect401(
      server.url,
      sign({ [NS]: { sub: 'a' }, iss: 'https://evil.example/', aud: env.AUTH_JWT_AUD }),
      'claim_invalid',
      'Invalid "iss" claim value: "https://evil.example/"',
    );
    await expect401(
      server.url,
      sign({ [NS]: { sub: 'a' }, iss: env.AUTH_JWT_ISS, aud: 'other' }),
      'claim_invalid',
      'Invalid "aud" claim value: "other"',
    );
    const both = sign({ [NS]: { sub: 'a' }, iss: env.AUTH_JWT_ISS, aud: ['other', 'gatehouse'] });
    expect((await session(both)).status).toBe(200);
  });

  it('does not fall back to a top-level sub when a namespace is set', async () => {
    const token = sign({ sub: 'alice', iss: env.AUTH_JWT_ISS, aud: env.AUTH_JWT_AUD });
    await expect401(server.url, token, 'sub_invalid', "Missing or invalid 'sub' claim");
  });

  it('npm run -s token mints a token this server accepts, with --claims and --exp', async () => {
    const result = runTokenCommand(['--sub', 'bob', '--claims', '{"plan":"pro"}', '--exp', '30m'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const res = await session(result.stdout.trim());
    expect(res.status).toBe(200);
    expect(res.body.sub).toBe('bob');
    expect(res.body.claims).toEqual({ sub: 'bob', plan: 'pro' });
    expect(res.body.expiresAt - now()).toBeGreaterThan(29 * 60);
    expect(res.body.expiresAt - now()).toBeLessThanOrEqual(30 * 60);
  });
});
