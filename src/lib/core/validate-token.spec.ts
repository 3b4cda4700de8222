import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from './algorithms.js';
import { AuthFailure } from './auth-failure.js';
import { validateToken } from './validate-token.js';
import { insecurePolicy, securePolicy } from '../../../test/support/policies.js';
import {
  generateEc,
  generateEd25519,
  generateRsa,
  rawToken,
  payloadOf,
  segment,
  signedToken,
  tokenOfTexts,
  unsignedToken,
  withPayload,
  type TestKeyPair,
} from '../../../test/support/tokens.js';

const NOW = 1_767_225_600;

function failure(result: unknown): { reason: string; message: string } {
  expect(result).toBeInstanceOf(AuthFailure);
  const { reason, message } = result as AuthFailure;
  return { reason, message };
}

const fail = (reason: string, message: string) => ({ reason, message });
const MALFORMED = fail('token_malformed', 'Invalid token');
const ALG = fail('alg_not_allowed', 'Signing algorithm mismatch');
const SIG = fail('signature_invalid', 'Invalid token signature');
const EXPIRED = fail('token_expired', 'Expired token');
const NOT_YET = fail('token_not_yet_valid', 'Token is not yet valid');
const SUB = fail('sub_invalid', "Missing or invalid 'sub' claim");
const missing = (name: string) => fail('claim_missing', `Missing required "${name}" claim`);

// ---------------------------------------------------------------------------------
// Secure-mode HS256 tokens with exactly the claims given (interop.spec.ts shows tokens
// from jsonwebtoken and jose verify the same way).
const SECRET = 'a-secret-that-is-at-least-32-bytes-long!!';
const HS_KEY = createSecretKey(Buffer.from(SECRET));
const hs = (payload: object) => signedToken(payload, { alg: 'HS256', key: SECRET });
const secure = (opts: Parameters<typeof securePolicy>[2] = {}) => securePolicy('HS256', HS_KEY, opts);
const good = { sub: 'alice', iat: NOW - 10, exp: NOW + 3600 };

describe('validateToken, secure mode: a valid token', () => {
  it('yields the session {sub, expiresAt, claims, authMode}', () => {
    const payload = { ...good, role: 'admin' };
    expect(validateToken(hs(payload), secure(), NOW)).toEqual({
      sub: 'alice',
      expiresAt: NOW + 3600,
      claims: payload,
      authMode: 'secure',
    });
  });
});

describe('validateToken, secure mode: shape', () => {
  it.each([
    ['one part', 'abc'],
    ['two parts', hs(good).split('.').slice(0, 2).join('.')],
    ['four parts', `${hs(good)}.x`],
    ['empty', ''],
    ['payload an array', rawToken({ alg: 'HS256' }, [1, 2])],
    ['payload a string', rawToken({ alg: 'HS256' }, 'alice')],
    ['payload null', rawToken({ alg: 'HS256' }, null)],
    ['payload bad JSON', tokenOfTexts('{"alg":"HS256"}', '{"sub":')],
    ['payload bad base64', `${segment('{"alg":"HS256"}')}.!!!.c2ln`],
    ['header without alg', rawToken({ typ: 'JWT' }, good)],
    ['header not JSON', tokenOfTexts('nope', JSON.stringify(good))],
    ['header an array', rawToken(['HS256'], good)],
  ])('%s → token_malformed', (_name, token) => {
    expect(failure(validateToken(token, secure(), NOW))).toEqual(MALFORMED);
  });
});

// ---------------------------------------------------------------------------------
// Every algorithm of section 2.
interface AlgCase {
  alg: Algorithm;
  keys: () => { sign: KeyObject | string; verify: KeyObject; wrong: KeyObject };
}
const rsa = memo(() => generateRsa(2048));
const rsa2 = memo(() => generateRsa(2048));
const ec = {
  'P-256': [memo(() => generateEc('P-256')), memo(() => generateEc('P-256'))],
  'P-384': [memo(() => generateEc('P-384')), memo(() => generateEc('P-384'))],
  'P-521': [memo(() => generateEc('P-521')), memo(() => generateEc('P-521'))],
} as const;
const ed = [memo(generateEd25519), memo(generateEd25519)];
function memo<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
const asym = (a: () => TestKeyPair, b: () => TestKeyPair) => () => ({
  sign: a().privateKey,
  verify: a().publicKey,
  wrong: b().publicKey,
});
const hmac = (bytes: number) => () => ({
  sign: 'k'.repeat(bytes),
  verify: createSecretKey(Buffer.from('k'.repeat(bytes))),
  wrong: createSecretKey(Buffer.from('j'.repeat(bytes))),
});
const CASES: AlgCase[] = [
  { alg: 'HS256', keys: hmac(32) },
  { alg: 'HS384', keys: hmac(48) },
  { alg: 'HS512', keys: hmac(64) },
  { alg: 'RS256', keys: asym(rsa, rsa2) },
  { alg: 'RS384', keys: asym(rsa, rsa2) },
  { alg: 'RS512', keys: asym(rsa, rsa2) },
  { alg: 'PS256', keys: asym(rsa, rsa2) },
  { alg: 'PS384', keys: asym(rsa, rsa2) },
  { alg: 'PS512', keys: asym(rsa, rsa2) },
  { alg: 'ES256', keys: asym(...ec['P-256']) },
  { alg: 'ES384', keys: asym(...ec['P-384']) },
  { alg: 'ES512', keys: asym(...ec['P-521']) },
  { alg: 'EdDSA', keys: asym(ed[0], ed[1]) },
];

const sign = (alg: Algorithm, key: KeyObject | string, payload: object) => signedToken(payload, { alg, key });

function tamperPayload(token: string, change: object): string {
  return withPayload(token, { ...payloadOf(token), ...change });
}

describe.each(CASES)('validateToken, secure mode, $alg', ({ alg, keys }) => {
  const payload = () => ({ sub: 'alice', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 });

  it('accepts a token signed with the right key', () => {
    const { sign: k, verify } = keys();
    const token = sign(alg, k, payload());
    const result = validateToken(token, securePolicy(alg, verify));
    expect(result).toMatchObject({ sub: 'alice', authMode: 'secure' });
  });

  it('refuses a token verified with another key of the same type: signature_invalid', () => {
    const { sign: k, wrong } = keys();
    const token = sign(alg, k, payload());
    expect(failure(validateToken(token, securePolicy(alg, wrong)))).toEqual(SIG);
  });

  it('refuses a token whose payload was changed: signature_invalid', () => {
    const { sign: k, verify } = keys();
    const token = tamperPayload(sign(alg, k, payload()), { sub: 'mallory' });
    expect(failure(validateToken(token, securePolicy(alg, verify)))).toEqual(SIG);
  });

  it('refuses a token whose signature was removed: signature_invalid', () => {
    const { sign: k, verify } = keys();
    const [h, p] = sign(alg, k, payload()).split('.');
    expect(failure(validateToken(`${h}.${p}.`, securePolicy(alg, verify)))).toEqual(SIG);
  });

  it('accepts when one of several configured keys verifies (rotation)', () => {
    const { sign: k, verify, wrong } = keys();
    const token = sign(alg, k, payload());
    expect(validateToken(token, securePolicy(alg, [wrong, verify]))).toMatchObject({ sub: 'alice' });
  });

  it('refuses alg none (as the docs\' jwt.sign(..., "", {algorithm: "none"}) makes it): alg_not_allowed', () => {
    const { verify } = keys();
    const token = unsignedToken({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60, iat: Math.floor(Date.now() / 1000) });
    expect(failure(validateToken(token, securePolicy(alg, verify)))).toEqual(ALG);
    expect(failure(validateToken(unsignedToken(payload()), securePolicy(alg, verify)))).toEqual(ALG);
  });

  it('refuses a token of another algorithm: alg_not_allowed', () => {
    const { verify } = keys();
    const other: Algorithm = alg === 'HS256' ? 'HS512' : 'HS256';
    const token = signedToken(payload(), { alg: other, key: 'x'.repeat(64) });
    expect(failure(validateToken(token, securePolicy(alg, verify)))).toEqual(ALG);
  });
});

describe('validateToken, secure mode: no key for the token (section 8)', () => {
  it('key_not_found comes after the algorithm check and before the times', () => {
    const pol = { ...secure(), keysFor: () => undefined };
    expect(failure(validateToken(hs({ sub: 'a', exp: NOW - 100 }), pol, NOW))).toEqual(
      fail('key_not_found', "No key found for the token's kid"),
    );
    expect(failure(validateToken(unsignedToken({ sub: 'a' }), pol, NOW))).toEqual(ALG);
  });
});

describe('validateToken, secure mode: key confusion', () => {
  it('an HS256 token signed with the RS256 public key PEM as secret is refused: alg_not_allowed', () => {
    const { publicKey, publicPem } = rsa();
    // The PEM text as HMAC secret, as an attacker forges it (jsonwebtoken refuses to).
    const token = signedToken({ sub: 'mallory', iat: NOW, exp: NOW + 60 }, { alg: 'HS256', key: createSecretKey(Buffer.from(publicPem)) });
    expect(failure(validateToken(token, securePolicy('RS256', publicKey), NOW))).toEqual(ALG);
  });

  it('an RS256 token is refused by an HS256 configuration', () => {
    const token = sign('RS256', rsa().privateKey, { sub: 'a' });
    expect(failure(validateToken(token, secure()))).toEqual(ALG);
  });

  it('alg names are case-sensitive ("hs256" is not HS256)', () => {
    const token = rawToken({ alg: 'hs256' }, good);
    expect(failure(validateToken(token, secure(), NOW))).toEqual(ALG);
  });
});

// ---------------------------------------------------------------------------------
describe('validateToken, times with leeway', () => {
  const L = 2;
  const check = (payload: object, mode: 'secure' | 'insecure', leeway = L) => {
    if (mode === 'secure')
      return validateToken(hs({ sub: 'alice', iat: NOW, exp: NOW + 60, ...payload }), secure({ clockTolerance: leeway }), NOW);
    return validateToken(unsignedToken({ sub: 'alice', ...payload }), insecurePolicy({ clockTolerance: leeway }), NOW);
  };

  describe.each(['secure', 'insecure'] as const)('%s mode', (mode) => {
    it('exp = now is valid', () => expect(check({ exp: NOW }, mode)).toMatchObject({ sub: 'alice', expiresAt: NOW }));
    it('exp = now - leeway is valid', () => expect(check({ exp: NOW - L }, mode)).toMatchObject({ sub: 'alice' }));
    it('exp = now - leeway - 1 is expired', () => expect(failure(check({ exp: NOW - L - 1 }, mode))).toEqual(EXPIRED));
    it('iat = now + leeway is valid', () => expect(check({ iat: NOW + L }, mode)).toMatchObject({ sub: 'alice' }));
    it('iat = now + leeway + 1 is claim_invalid with its value', () =>
      expect(failure(check({ iat: NOW + L + 1 }, mode))).toEqual(fail('claim_invalid', `Invalid "iat" claim value: ${NOW + L + 1}`)));
    it('nbf = now + leeway is valid', () => expect(check({ nbf: NOW + L }, mode)).toMatchObject({ sub: 'alice' }));
    it('nbf = now + leeway + 1 is not yet valid', () => expect(failure(check({ nbf: NOW + L + 1 }, mode))).toEqual(NOT_YET));
    it('leeway 0: exp = now valid, exp = now - 1 expired, nbf = now + 1 not yet valid', () => {
      expect(check({ exp: NOW }, mode, 0)).toMatchObject({ sub: 'alice' });
      expect(failure(check({ exp: NOW - 1 }, mode, 0))).toEqual(EXPIRED);
      expect(failure(check({ nbf: NOW + 1 }, mode, 0))).toEqual(NOT_YET);
      expect(failure(check({ iat: NOW + 1 }, mode, 0))).toEqual(fail('claim_invalid', `Invalid "iat" claim value: ${NOW + 1}`));
      expect(check({ iat: NOW, nbf: NOW }, mode, 0)).toMatchObject({ sub: 'alice' });
    });
    it.each([
      ['exp', '"tomorrow"', 'tomorrow'],
      ['iat', '"1767225600"', '1767225600'],
      ['nbf', 'true', true],
      ['exp', 'null', null],
      ['iat', '{"t":1}', { t: 1 }],
    ])('a non-number %s (%s) → claim_invalid with its value', (name, shown, value) => {
      expect(failure(check({ [name]: value }, mode))).toEqual(fail('claim_invalid', `Invalid "${name}" claim value: ${shown}`));
    });
  });

  it('insecure mode checks times only when present (no exp, no iat: accepted, expiresAt null)', () => {
    expect(validateToken(unsignedToken({ sub: 'alice' }), insecurePolicy(), NOW)).toEqual({
      sub: 'alice',
      expiresAt: null,
      claims: { sub: 'alice' },
      authMode: 'insecure',
    });
  });

  it('uses the current clock by default', () => {
    const t = Math.floor(Date.now() / 1000);
    expect(failure(validateToken(unsignedToken({ sub: 'a', exp: t - 60 }), insecurePolicy()))).toEqual(EXPIRED);
    expect(validateToken(unsignedToken({ sub: 'a', exp: t + 60 }), insecurePolicy())).toMatchObject({ sub: 'a' });
  });
});

// ---------------------------------------------------------------------------------
describe('validateToken, issuer and audience', () => {
  const pol = secure({ issuer: 'https://idp.example', audience: 'gatehouse' });
  const base = { ...good, iss: 'https://idp.example', aud: 'gatehouse' };

  it('exact match is accepted', () => expect(validateToken(hs(base), pol, NOW)).toMatchObject({ sub: 'alice' }));
  it('an aud array containing it is accepted', () =>
    expect(validateToken(hs({ ...base, aud: ['other', 'gatehouse'] }), pol, NOW)).toMatchObject({ sub: 'alice' }));
  it('an aud array not containing it → claim_invalid', () =>
    expect(failure(validateToken(hs({ ...base, aud: ['other', 'x'] }), pol, NOW))).toEqual(
      fail('claim_invalid', 'Invalid "aud" claim value: ["other","x"]'),
    ));
  it('another aud string → claim_invalid with its value quoted', () =>
    expect(failure(validateToken(hs({ ...base, aud: 'gatehouse2' }), pol, NOW))).toEqual(
      fail('claim_invalid', 'Invalid "aud" claim value: "gatehouse2"'),
    ));
  it('another iss → claim_invalid with its value quoted', () =>
    expect(failure(validateToken(hs({ ...base, iss: 'https://evil.example' }), pol, NOW))).toEqual(
      fail('claim_invalid', 'Invalid "iss" claim value: "https://evil.example"'),
    ));
  it('iss differing only in case or by a trailing slash is refused', () => {
    expect(failure(validateToken(hs({ ...base, iss: 'https://IDP.example' }), pol, NOW)).reason).toBe('claim_invalid');
    expect(failure(validateToken(hs({ ...base, iss: 'https://idp.example/' }), pol, NOW)).reason).toBe('claim_invalid');
  });
  it('a non-string iss → claim_invalid', () => {
    expect(failure(validateToken(hs({ ...base, iss: 42 }), pol, NOW))).toEqual(fail('claim_invalid', 'Invalid "iss" claim value: 42'));
    expect(failure(validateToken(hs({ ...base, iss: ['https://idp.example'] }), pol, NOW))).toEqual(
      fail('claim_invalid', 'Invalid "iss" claim value: ["https://idp.example"]'),
    );
  });
  it('iss missing → claim_missing iss; aud missing → claim_missing aud', () => {
    const { iss: _i, ...noIss } = base;
    const { aud: _a, ...noAud } = base;
    expect(failure(validateToken(hs(noIss), pol, NOW))).toEqual(missing('iss'));
    expect(failure(validateToken(hs(noAud), pol, NOW))).toEqual(missing('aud'));
  });
  it('iss and aud are not required nor checked when not configured', () => {
    expect(validateToken(hs({ ...good, iss: 'anyone', aud: 'anything' }), secure(), NOW)).toMatchObject({ sub: 'alice' });
  });
});

describe('validateToken, required claims (secure only)', () => {
  it('exp missing → claim_missing exp', () => {
    expect(failure(validateToken(hs({ sub: 'a', iat: NOW }), secure(), NOW))).toEqual(missing('exp'));
  });
  it('iat missing → claim_missing iat', () => {
    expect(failure(validateToken(hs({ sub: 'a', exp: NOW + 60 }), secure(), NOW))).toEqual(missing('iat'));
  });
  it('several missing: the first of exp, iat, iss, aud', () => {
    const pol = secure({ issuer: 'i', audience: 'a' });
    expect(failure(validateToken(hs({ sub: 'a' }), pol, NOW))).toEqual(missing('exp'));
    expect(failure(validateToken(hs({ sub: 'a', exp: NOW + 9 }), pol, NOW))).toEqual(missing('iat'));
    expect(failure(validateToken(hs({ sub: 'a', exp: NOW + 9, iat: NOW }), pol, NOW))).toEqual(missing('iss'));
    expect(failure(validateToken(hs({ sub: 'a', exp: NOW + 9, iat: NOW, iss: 'i' }), pol, NOW))).toEqual(missing('aud'));
  });
});

// ---------------------------------------------------------------------------------
describe('validateToken, order of section 3 (the earlier step wins)', () => {
  const pol = secure({ issuer: 'good-iss', audience: 'good-aud' });
  const expired = { exp: NOW - 100 };
  const cases: [string, () => string, { reason: string; message: string }][] = [
    ['oversized + alg none', () => unsignedToken({ sub: 'a', pad: 'x'.repeat(9000) }), MALFORMED],
    ['malformed payload + bad alg', () => tokenOfTexts('{"alg":"none"}', '[1]'), MALFORMED],
    ['bad alg + expired', () => rawToken({ alg: 'RS256' }, { sub: 'a', iat: NOW, ...expired }), ALG],
    ['alg none + expired + no sub', () => unsignedToken({ ...expired }), ALG],
    ['bad signature + expired', () => rawToken({ alg: 'HS256' }, { sub: 'a', iat: NOW, ...expired }), SIG],
    ['bad signature + missing everything', () => rawToken({ alg: 'HS256' }, {}), SIG],
    ['expired + missing iat', () => hs({ sub: 'a', iss: 'good-iss', aud: 'good-aud', ...expired }), EXPIRED],
    ['expired + iss mismatch', () => hs({ sub: 'a', iat: NOW, iss: 'bad', aud: 'good-aud', ...expired }), EXPIRED],
    ['expired + future iat', () => hs({ sub: 'a', iat: NOW + 100, ...expired }), EXPIRED],
    ['expired + not yet valid', () => hs({ sub: 'a', iat: NOW, nbf: NOW + 100, ...expired }), EXPIRED],
    [
      'future iat + not yet valid',
      () => hs({ sub: 'a', iat: NOW + 100, nbf: NOW + 100, exp: NOW + 200 }),
      fail('claim_invalid', `Invalid "iat" claim value: ${NOW + 100}`),
    ],
    ['not yet valid + iss mismatch + missing exp', () => hs({ sub: 'a', iat: NOW, nbf: NOW + 100, iss: 'bad' }), NOT_YET],
    [
      'non-number exp + missing iat',
      () => hs({ sub: 'a', exp: 'soon', iss: 'good-iss', aud: 'good-aud' }),
      fail('claim_invalid', 'Invalid "exp" claim value: "soon"'),
    ],
    [
      'iss mismatch + missing exp',
      () => hs({ sub: 'a', iat: NOW, iss: 'bad', aud: 'good-aud' }),
      fail('claim_invalid', 'Invalid "iss" claim value: "bad"'),
    ],
    [
      'aud mismatch + missing iat',
      () => hs({ sub: 'a', exp: NOW + 60, iss: 'good-iss', aud: 'bad' }),
      fail('claim_invalid', 'Invalid "aud" claim value: "bad"'),
    ],
    [
      'iss mismatch + aud mismatch',
      () => hs({ sub: 'a', iat: NOW, exp: NOW + 9, iss: 'bad', aud: 'bad' }),
      fail('claim_invalid', 'Invalid "iss" claim value: "bad"'),
    ],
    ['missing exp + iat + iss', () => hs({ sub: 'a', aud: 'good-aud' }), missing('exp')],
    ['missing iat + invalid sub', () => hs({ sub: '', exp: NOW + 9, iss: 'good-iss', aud: 'good-aud' }), missing('iat')],
    ['missing aud + no sub', () => hs({ iat: NOW, exp: NOW + 9, iss: 'good-iss' }), missing('aud')],
  ];
  it.each(cases)('%s', (_name, token, expected) => {
    expect(failure(validateToken(token(), pol, NOW))).toEqual(expected);
  });

  it('insecure: expired + no sub → token_expired; bad shape + expired → token_malformed', () => {
    expect(failure(validateToken(unsignedToken({ exp: NOW - 100 }), insecurePolicy(), NOW))).toEqual(EXPIRED);
    expect(failure(validateToken(`${segment('x')}.${segment('[{"exp":1}]')}`, insecurePolicy(), NOW))).toEqual(MALFORMED);
  });
});

// ---------------------------------------------------------------------------------
describe('validateToken, insecure mode', () => {
  const pol = insecurePolicy();
  const payload = { sub: 'alice' };

  it('accepts two parts (no trailing dot) and three parts', () => {
    expect(validateToken(unsignedToken(payload, { trailingDot: false }), pol, NOW)).toMatchObject({ sub: 'alice', authMode: 'insecure' });
    expect(validateToken(unsignedToken(payload), pol, NOW)).toMatchObject({ sub: 'alice' });
  });

  it('does not interpret the header (garbage, empty, not JSON)', () => {
    const p = segment(JSON.stringify(payload));
    for (const header of ['garbage!!', '', segment('not json'), segment('[1]')]) {
      expect(validateToken(`${header}.${p}.`, pol, NOW)).toMatchObject({ sub: 'alice' });
    }
  });

  it("accepts alg none (the docs' jsonwebtoken example) and tokens signed with any key or algorithm", () => {
    expect(validateToken(unsignedToken({ sub: 'alice', iat: Math.floor(Date.now() / 1000) }), pol)).toMatchObject({ sub: 'alice' });
    expect(
      validateToken(signedToken({ sub: 'alice', iat: Math.floor(Date.now() / 1000) }, { alg: 'HS256', key: 'whatever' }), pol),
    ).toMatchObject({ sub: 'alice' });
    expect(validateToken(sign('RS256', rsa().privateKey, { sub: 'alice' }), pol)).toMatchObject({ sub: 'alice' });
    expect(validateToken(sign('EdDSA', ed[0]().privateKey, { sub: 'alice' }), pol)).toMatchObject({ sub: 'alice' });
    expect(validateToken(rawToken({ alg: 'HS256' }, payload, 'not-a-real-signature'), pol, NOW)).toMatchObject({ sub: 'alice' });
  });

  it.each([
    ['one part', segment(JSON.stringify(payload))],
    ['four parts', `${unsignedToken(payload)}.x`],
    ['empty', ''],
    ['payload an array', unsignedToken([payload])],
    ['payload a string', unsignedToken('alice')],
    ['payload a number', unsignedToken(42)],
    ['payload null', unsignedToken(null)],
    ['payload bad base64', `${segment('{}')}.***.`],
    ['payload bad JSON', `${segment('{}')}.${segment('{"sub":"alice"')}.`],
    ['payload empty', `${segment('{}')}..`],
  ])('%s → token_malformed', (_name, token) => {
    expect(failure(validateToken(token, pol, NOW))).toEqual(MALFORMED);
  });

  it('does not check iss, aud nor require exp/iat', () => {
    expect(validateToken(unsignedToken({ sub: 'alice', iss: 42, aud: ['x'] }), pol, NOW)).toMatchObject({ sub: 'alice' });
  });
});

// ---------------------------------------------------------------------------------
describe('validateToken, subject', () => {
  const ins = (payload: unknown, namespace?: string) => validateToken(unsignedToken(payload), insecurePolicy({ namespace }), NOW);

  it('sub null → user_id is used; sub absent → user_id is used', () => {
    expect(ins({ sub: null, user_id: 'bob' })).toMatchObject({ sub: 'bob' });
    expect(ins({ user_id: 'bob' })).toMatchObject({ sub: 'bob' });
  });
  it('sub wins over user_id when both are valid', () => {
    expect(ins({ sub: 'alice', user_id: 'bob' })).toMatchObject({ sub: 'alice' });
  });
  it.each([
    ['empty', ''],
    ['whitespace', ' \t\n'],
    ['a number', 42],
    ['an object', { id: 'alice' }],
    ['an array', ['alice']],
    ['false', false],
  ])('sub %s is sub_invalid, even with a valid user_id', (_n, sub) => {
    expect(failure(ins({ sub, user_id: 'bob' }))).toEqual(SUB);
  });
  it('neither sub nor user_id → sub_invalid; user_id blank or not a string → sub_invalid', () => {
    expect(failure(ins({ name: 'alice' }))).toEqual(SUB);
    expect(failure(ins({ user_id: '  ' }))).toEqual(SUB);
    expect(failure(ins({ user_id: 7 }))).toEqual(SUB);
  });
  it('an untrimmed sub is returned as it is', () => {
    expect(ins({ sub: '  alice ' })).toMatchObject({ sub: '  alice ' });
  });

  const ELECTRIC = 'https://electric-sql.com/jwt/claims';
  it('a literal namespace key (with slashes inside) holds the claims', () => {
    const claims = { sub: 'alice', role: 'x' };
    expect(ins({ sub: 'top', exp: NOW + 5, [ELECTRIC]: claims }, ELECTRIC)).toEqual({
      sub: 'alice',
      expiresAt: NOW + 5,
      claims,
      authMode: 'insecure',
    });
  });
  it('a JSON pointer /app/claims reaches payload.app.claims', () => {
    expect(ins({ app: { claims: { sub: 'alice' } } }, '/app/claims')).toMatchObject({ sub: 'alice', claims: { sub: 'alice' } });
  });
  it('~1 is / and ~0 is ~ in a JSON pointer', () => {
    expect(ins({ 'a/b': { 'c~d': { sub: 'alice' } } }, '/a~1b/c~0d')).toMatchObject({ sub: 'alice' });
    expect(ins({ 'a~1b': { sub: 'x' } }, '/a~01b')).toMatchObject({ sub: 'x' });
  });
  it('no fallback to the top level when a namespace is set', () => {
    expect(failure(ins({ sub: 'alice' }, ELECTRIC))).toEqual(SUB);
    expect(failure(ins({ sub: 'alice', app: {} }, '/app/claims'))).toEqual(SUB);
    expect(failure(ins({ sub: 'alice', [ELECTRIC]: { user_id: '' } }, ELECTRIC))).toEqual(SUB);
  });
  it.each([
    ['a string', 'alice'],
    ['an array', [{ sub: 'alice' }]],
    ['null', null],
    ['a number', 1],
  ])('a namespace value that is %s → sub_invalid', (_n, value) => {
    expect(failure(ins({ sub: 'alice', [ELECTRIC]: value }, ELECTRIC))).toEqual(SUB);
  });
  it('exp is read from the top level even when a namespace is set', () => {
    expect(ins({ exp: NOW + 9, ns: { sub: 'a' } }, 'ns')).toMatchObject({ expiresAt: NOW + 9 });
    expect(ins({ ns: { sub: 'a', exp: NOW + 9 } }, 'ns')).toMatchObject({ expiresAt: null });
    expect(failure(ins({ exp: NOW - 100, ns: { sub: 'a' } }, 'ns'))).toEqual(EXPIRED);
    expect(ins({ ns: { sub: 'a', exp: NOW - 100 } }, 'ns')).toMatchObject({ sub: 'a' });
  });
  it('secure mode uses the namespace too', () => {
    expect(
      validateToken(hs({ iat: NOW, exp: NOW + 9, app: { claims: { sub: 'alice' } } }), secure({ namespace: '/app/claims' }), NOW),
    ).toMatchObject({
      sub: 'alice',
      claims: { sub: 'alice' },
      expiresAt: NOW + 9,
    });
  });

  describe('prototype safety', () => {
    it.each(['/__proto__', '__proto__', 'constructor', '/constructor', '/constructor/prototype', 'toString', '/hasOwnProperty'])(
      'namespace %s does not reach Object.prototype',
      (ns) => {
        const before = Object.getOwnPropertyNames(Object.prototype).length;
        expect(failure(ins({ sub: 'alice' }, ns))).toEqual(SUB);
        expect(Object.getOwnPropertyNames(Object.prototype).length).toBe(before);
      },
    );
    it('a payload whose own "__proto__" key holds the claims is read as data, not a prototype', () => {
      const token = `${segment('{}')}.${segment('{"__proto__":{"sub":"alice"}}')}.`;
      expect(validateToken(token, insecurePolicy({ namespace: '/__proto__' }), NOW)).toMatchObject({ sub: 'alice' });
      expect(failure(validateToken(token, insecurePolicy(), NOW))).toEqual(SUB);
      expect(({} as { sub?: unknown }).sub).toBeUndefined();
    });
    it('sub inherited from the prototype is not used', () => {
      const token = `${segment('{}')}.${segment('{"__proto__":{"sub":"alice"}}')}.`;
      expect(failure(validateToken(token, insecurePolicy(), NOW))).toEqual(SUB);
    });
  });
});

// ---------------------------------------------------------------------------------
describe('validateToken, oversized tokens', () => {
  it('a token longer than maxTokenBytes is token_malformed; at the limit it is accepted', () => {
    const token = unsignedToken({ sub: 'alice', pad: 'x'.repeat(300) });
    expect(validateToken(token, insecurePolicy({ maxTokenBytes: token.length }), NOW)).toMatchObject({ sub: 'alice' });
    expect(failure(validateToken(token, insecurePolicy({ maxTokenBytes: token.length - 1 }), NOW))).toEqual(MALFORMED);
  });
  it('is refused without being parsed (a huge unparseable token costs no JSON parse)', () => {
    const spy = vi.spyOn(JSON, 'parse');
    try {
      const huge = `${segment('{}')}.${'A'.repeat(1_000_000)}.`;
      expect(failure(validateToken(huge, insecurePolicy(), NOW))).toEqual(MALFORMED);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
  it('secure mode: an oversized validly signed token is token_malformed', () => {
    const token = hs({ ...good, pad: 'x'.repeat(9000) });
    expect(failure(validateToken(token, secure(), NOW))).toEqual(MALFORMED);
  });
});
