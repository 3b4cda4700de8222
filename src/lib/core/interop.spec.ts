import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import jwt from 'jsonwebtoken';
import { ALGORITHMS, type Algorithm } from './algorithms.js';
import { AuthFailure } from './auth-failure.js';
import { validateToken, type SecurePolicy } from './validate-token.js';
import { importKeySet } from '../keys/jwk-import.js';
import { KeySet } from '../keys/key-set.js';
import { KEY_SET_ALGORITHMS } from '../options/resolve-keys.js';
import { insecurePolicy, securePolicy } from '../../../test/support/policies.js';
import { generateEc, generateEd25519, generateRsa, withPayload } from '../../../test/support/tokens.js';

// Interop, on purpose: the ONLY tests that make tokens with independent libraries, the
// way a user's app or identity provider does (jsonwebtoken for HS/RS/PS/ES, jose for
// EdDSA and for a published key set). They prove Gatehouse reads real-world tokens;
// every other test gets its tokens from test/support/tokens.ts.

const reasonOf = (result: unknown) => (result instanceof AuthFailure ? result.reason : 'accepted');
const lifetime = () => ({ sub: 'alice', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 });

/** A signing key and its verification key for each algorithm, as a user would hold them (fresh pairs; HS: `letter` repeated). */
function keysFor(alg: Algorithm, letter = 'k'): { sign: KeyObject | string; verify: KeyObject } {
  const family = alg.slice(0, 2);
  if (family === 'HS') {
    const secret = letter.repeat({ HS256: 32, HS384: 48, HS512: 64 }[alg as 'HS256']);
    return { sign: secret, verify: createSecretKey(Buffer.from(secret)) };
  }
  const curve = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' } as const;
  const pair = family === 'ES' ? generateEc(curve[alg as 'ES256']) : family === 'Ed' ? generateEd25519() : generateRsa();
  return { sign: pair.privateKey, verify: pair.publicKey };
}

/** Signed by the library an app would use: jsonwebtoken, or jose for EdDSA (jsonwebtoken 9 cannot sign it). */
async function librarySigned(alg: Algorithm, key: KeyObject | string, payload: Record<string, unknown>): Promise<string> {
  if (alg === 'EdDSA') return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key as KeyObject);
  return jwt.sign(payload, key as jwt.Secret, { algorithm: alg as jwt.Algorithm });
}

describe('interop: tokens from jsonwebtoken and jose', () => {
  it.each(ALGORITHMS)('%s: verifies with the right key, not with another, not when changed', async (alg) => {
    const { sign, verify } = keysFor(alg);
    const token = await librarySigned(alg, sign, lifetime());
    expect(validateToken(token, securePolicy(alg, verify))).toMatchObject({ sub: 'alice', authMode: 'secure' });
    expect(reasonOf(validateToken(token, securePolicy(alg, keysFor(alg, 'j').verify)))).toBe('signature_invalid');
    const forged = withPayload(token, { ...lifetime(), sub: 'mallory' });
    expect(reasonOf(validateToken(forged, securePolicy(alg, verify)))).toBe('signature_invalid');
  });

  it('jsonwebtoken: expiresIn/issuer/audience options make claims Gatehouse checks', () => {
    const secret = 'k'.repeat(32);
    const policy = securePolicy('HS256', createSecretKey(Buffer.from(secret)), { issuer: 'idp', audience: 'gh' });
    const token = jwt.sign({ sub: 'alice' }, secret, { algorithm: 'HS256', expiresIn: '1h', issuer: 'idp', audience: 'gh' });
    expect(validateToken(token, policy)).toMatchObject({ sub: 'alice' });
    const other = jwt.sign({ sub: 'alice' }, secret, { algorithm: 'HS256', expiresIn: '1h', issuer: 'idp', audience: 'other' });
    expect(reasonOf(validateToken(other, policy))).toBe('claim_invalid');
  });

  it("the docs' jwt.sign({ sub }, '', { algorithm: 'none' }): accepted in insecure mode, alg_not_allowed in secure mode", () => {
    const token = jwt.sign({ sub: 'alice' }, '', { algorithm: 'none' });
    expect(validateToken(token, insecurePolicy())).toMatchObject({ sub: 'alice', authMode: 'insecure' });
    expect(reasonOf(validateToken(token, securePolicy('HS256', createSecretKey(Buffer.alloc(32)))))).toBe('alg_not_allowed');
  });

  it('jose: a key set exported by jose verifies jose tokens by kid; an unknown kid is key_not_found', async () => {
    const ed = await generateKeyPair('EdDSA');
    const ec = await generateKeyPair('ES256');
    const rs = await generateKeyPair('RS256');
    const jwks = {
      keys: [
        { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
        { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', use: 'sig' },
      ],
    };
    const { entries, ignored } = importKeySet(jwks, KEY_SET_ALGORITHMS);
    expect(ignored).toEqual([]);
    const set = new KeySet('https://idp.example/jwks', entries, new Date());
    const policy: SecurePolicy = {
      ...securePolicy('EdDSA', []),
      algorithms: ['EdDSA', 'ES256', 'RS256'],
      keysFor: (header) => set.keysFor(header),
    };
    const josed = (alg: string, kid: string, key: CryptoKey) =>
      new SignJWT({ sub: kid }).setProtectedHeader({ alg, kid }).setIssuedAt().setExpirationTime('10m').sign(key);

    expect(validateToken(await josed('EdDSA', 'ed-1', ed.privateKey), policy)).toMatchObject({ sub: 'ed-1' });
    expect(validateToken(await josed('ES256', 'ec-1', ec.privateKey), policy)).toMatchObject({ sub: 'ec-1' });
    expect(validateToken(await josed('RS256', 'rs-1', rs.privateKey), policy)).toMatchObject({ sub: 'rs-1' });
    expect(reasonOf(validateToken(await josed('ES256', 'ed-1', ec.privateKey), policy))).toBe('signature_invalid');
    expect(reasonOf(validateToken(await josed('EdDSA', 'ed-9', ed.privateKey), policy))).toBe('key_not_found');
  });
});
