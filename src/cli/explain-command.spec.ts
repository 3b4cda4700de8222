import { createServer, type Server } from 'node:http';
import { generateEc, signedToken, unsignedToken } from '../../test/support/tokens.js';
import { runExplainCommand } from './explain-command.js';

const NOW = 1_800_000_000;
const SECRET = 'k'.repeat(32);
const HS = { AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET, AUTH_JWT_ISS: 'https://idp/' };
const noStdin = () => Promise.reject(new Error('no stdin'));
const explain = (token: string, env: Record<string, string>) => runExplainCommand([token], env, noStdin, NOW);

describe('npm run -s token -- explain', () => {
  it('an accepted token: every step ok, the claims, the clock, the session; exit 0', async () => {
    const token = signedToken({ sub: 'alice', iat: NOW - 10, exp: NOW + 600, iss: 'https://idp/' }, { alg: 'HS256', key: SECRET });
    const result = await explain(token, HS);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^header: +\{"alg":"HS256","typ":"JWT"\}$/m);
    expect(result.stdout).toMatch(/^claims: +\{"sub":"alice"/m);
    for (const step of [
      '1. shape',
      '2. algorithm',
      '3. signature',
      '4. times',
      '5. issuer and audience',
      '6. required claims',
      '7. subject',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^${step} +ok`, 'm'));
    }
    expect(result.stdout).toMatch(/exp: 1800000600 \(2027-01-15T08:10:00Z\), 600 s from now/);
    expect(result.stdout).toMatch(/iat: 1799999990 .*10 s ago/);
    expect(result.stdout).toMatch(/nbf: absent/);
    expect(result.stdout).toMatch(/^result: accepted, session \{"sub":"alice"/m);
  });

  it("shows the token's scopes, roles and channels as authorization reads them, and where from", async () => {
    const payload = {
      sub: 'alice',
      iat: NOW,
      exp: NOW + 60,
      iss: 'https://idp/',
      scope: 'notes:read notes:write',
      realm_access: { roles: ['admin'] },
    };
    const token = signedToken({ ...payload, channels: ['room:*'] }, { alg: 'HS256', key: SECRET });
    const result = await explain(token, { ...HS, AUTH_ROLES_CLAIM: '/realm_access/roles' });
    expect(result.stdout).toMatch(/^scopes: +notes:read notes:write +\(from "scope", else "scp"\)$/m);
    expect(result.stdout).toMatch(/^roles: +admin +\(from AUTH_ROLES_CLAIM=\/realm_access\/roles\)$/m);
    expect(result.stdout).toMatch(/^channels: +room:\* +\(from \/channels\)$/m);
    const bare = await explain(
      signedToken({ sub: 'bob', iat: NOW, exp: NOW + 60, iss: 'https://idp/', roles: 7 }, { alg: 'HS256', key: SECRET }),
      HS,
    );
    expect(bare.stdout).toMatch(/^roles: +\(none\)/m);
  });

  it('never prints the signature', async () => {
    const token = signedToken({ sub: 'alice', iat: NOW, exp: NOW + 60, iss: 'https://idp/' }, { alg: 'HS256', key: SECRET });
    const signature = token.split('.')[2];
    const result = await explain(token, HS);
    expect(result.stdout).not.toContain(signature);
    expect(result.stdout).toMatch(/signature: +43 characters \(never printed\)/);
  });

  it('a refused token: the failing step with its reason, later steps not reached; exit 1', async () => {
    const token = signedToken({ sub: 'alice', iat: NOW - 700, exp: NOW - 100, iss: 'https://idp/' }, { alg: 'HS256', key: SECRET });
    const result = await explain(token, HS);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^4\. times +FAILED: token_expired: Expired token$/m);
    expect(result.stdout).toMatch(/exp: .*100 s ago -> expired/);
    expect(result.stdout).toMatch(/^5\. issuer and audience +not reached$/m);
    expect(result.stdout).toMatch(/^result: refused, reason token_expired \("Expired token"\)$/m);
  });

  it('several issuers: names the issuer the iss picks and checks with its settings, or says none fits', async () => {
    const other = 'o'.repeat(32);
    const env = {
      AUTH_JWT_ISSUERS: JSON.stringify([
        { issuer: 'https://idp/', key: SECRET, algorithms: 'HS256' },
        { issuer: 'partner', key: other, algorithms: 'HS256', requireTyp: 'at+jwt' },
      ]),
    };
    const partner = signedToken({ sub: 'p', iat: NOW, exp: NOW + 60, iss: 'partner' }, { alg: 'HS256', key: other });
    const refused = await explain(partner, env);
    expect(refused.stdout).toMatch(/^issuer: +AUTH_JWT_ISSUERS\[1\], "partner": its keys and settings alone check this token$/m);
    expect(refused.stdout).toMatch(/^2\. algorithm +FAILED: token_type_invalid: Invalid token type$/m);
    const own = signedToken({ sub: 'a', iat: NOW, exp: NOW + 60, iss: 'https://idp/' }, { alg: 'HS256', key: SECRET });
    expect((await explain(own, env)).code).toBe(0);
    const stranger = await explain(signedToken({ sub: 'a', iat: NOW, exp: NOW + 60, iss: 'x' }, { alg: 'HS256', key: SECRET }), env);
    expect(stranger.code).toBe(1);
    expect(stranger.stdout).toMatch(/^issuer: +none: the token has iss "x"; the configured issuers are "https:\/\/idp\/", "partner"$/m);
    expect(stranger.stdout).toMatch(/^result: refused, reason claim_invalid \("Unknown issuer"\)$/m);
  });

  it('a wrong signature fails at step 3', async () => {
    const token = signedToken({ sub: 'a', iat: NOW, exp: NOW + 60 }, { alg: 'HS256', key: 'x'.repeat(32) });
    const result = await explain(`Bearer ${token}`, HS);
    expect(result.stdout).toMatch(/^3\. signature +FAILED: signature_invalid/m);
    expect(result.stdout).toMatch(/^4\. times +not reached/m);
  });

  it('insecure mode skips the secure-only steps', async () => {
    const result = await explain(unsignedToken({ sub: 'bob' }), { AUTH_MODE: 'insecure' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^2\. algorithm +skipped \(insecure mode\)$/m);
    expect(result.stdout).toMatch(/^7\. subject +ok$/m);
  });

  it('reads the token from stdin with "-"', async () => {
    const result = await runExplainCommand(
      ['-'],
      { AUTH_MODE: 'insecure' },
      () => Promise.resolve(`${unsignedToken({ sub: 'c' })}\n`),
      NOW,
    );
    expect(result.code).toBe(0);
  });

  it('usage and configuration errors exit 2', async () => {
    expect((await runExplainCommand([], { AUTH_MODE: 'insecure' }, noStdin, NOW)).code).toBe(2);
    expect((await explain('x', { AUTH_MODE: 'nope' })).stderr).toMatch(/AUTH_MODE has invalid value/);
  });

  describe('with a key set', () => {
    let server: Server;
    let url: string;
    const ec = generateEc('P-256');
    beforeAll(async () => {
      const jwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' };
      server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
    });
    afterAll(() => server.close());

    it('fetches the set once and names the kid', async () => {
      const token = signedToken({ sub: 'd', iat: NOW, exp: NOW + 60 }, { alg: 'ES256', key: ec.privateKey, kid: 'k1' });
      const result = await explain(token, { AUTH_JWT_JWKS_URL: url });
      expect(result.stdout).toMatch(/key set .*\(1 usable keys: k1\)/);
      expect(result.stdout).toMatch(/^2\. algorithm +ok \(ES256, kid "k1"\)$/m);
      expect(result.code).toBe(0);
      const unknown = signedToken({ sub: 'd', iat: NOW, exp: NOW + 60 }, { alg: 'ES256', key: ec.privateKey, kid: 'k9' });
      expect((await explain(unknown, { AUTH_JWT_JWKS_URL: url })).stdout).toMatch(/^3\. signature +FAILED: key_not_found/m);
    });
  });
});
