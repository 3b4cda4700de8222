import { createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { AuthFailure } from './auth-failure.js';
import {
  checkAlgorithm,
  checkTokenType,
  chooseIssuer,
  normalizeTokenType,
  UNKNOWN_ISSUER,
  checkIssuerAndAudience,
  checkRequiredClaims,
  checkSignature,
  checkTimes,
  decodeJsonSegment,
  decodeToken,
  extractSubject,
  hasCriticalExtensions,
  MAX_JSON_DEPTH,
  nestsDeeperThan,
  oversized,
  requiredClaims,
  validUntil,
} from './token-rules.js';
import { rawToken, segment, signatureOf, unsignedToken } from '../../../test/support/tokens.js';

const plain = (f: unknown) => (f instanceof AuthFailure ? { reason: f.reason, message: f.message } : f);

describe('decodeJsonSegment', () => {
  it('decodes a base64url JSON object', () => {
    expect(decodeJsonSegment(segment('{"a":1}'))).toEqual({ a: 1 });
  });
  it.each([
    ['empty', ''],
    ['an array', segment('[1]')],
    ['a string', segment('"x"')],
    ['null', segment('null')],
    ['a number', segment('1')],
    ['bad JSON', segment('{')],
    ['standard-alphabet characters', 'ab+/'],
    ['other characters', 'ab$c'],
    ['padding (JWS segments are unpadded)', `${segment('{"a":1}')}==`],
  ])('%s → undefined', (_n, seg) => {
    expect(decodeJsonSegment(seg)).toBeUndefined();
  });
});

/** Nesting depth of a parsed JSON value, recursively (fine for test-sized values). */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Object.values(value as object);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('nestsDeeperThan', () => {
  it('agrees with the depth of the parsed value, strings with brackets and escapes included', () => {
    const tricky = fc.constantFrom('{', '}', '[', ']', '"', '\\', '\\"', 'x');
    const text = fc.array(tricky, { maxLength: 8 }).map((parts) => parts.join(''));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(text, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), (v, limit) => {
        expect(nestsDeeperThan(JSON.stringify(v), limit)).toBe(depthOf(v) > limit);
      }),
      { numRuns: 3000 },
    );
  });

  it('counts objects and arrays alike; the outer object is level 1', () => {
    expect(nestsDeeperThan('{}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a":[]}', 1)).toBe(true);
    expect(nestsDeeperThan('{"a":"[[[{{{"}', 1)).toBe(false);
  });

  it('takes linear time and no stack on a million levels', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(nestsDeeperThan(deep, MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('decodeJsonSegment depth', () => {
  const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    expect(decodeJsonSegment(segment(nested(MAX_JSON_DEPTH)))).toBeDefined();
    expect(decodeJsonSegment(segment(nested(MAX_JSON_DEPTH + 1)))).toBeUndefined();
  });
});

describe('hasCriticalExtensions', () => {
  it('is true for any crit, whatever its value, and false without one', () => {
    for (const crit of [['b64'], [], 'exp', null, {}, 0]) expect(hasCriticalExtensions({ alg: 'HS256', crit })).toBe(true);
    expect(hasCriticalExtensions({ alg: 'HS256', b64: true })).toBe(false);
  });
  it('makes a secure token malformed; insecure mode does not read the header', () => {
    const token = rawToken({ alg: 'HS256', crit: ['exp'], exp: 1 }, { sub: 'a' });
    expect(plain(decodeToken(token, true))).toEqual({ reason: 'token_malformed', message: 'Invalid token' });
    expect(decodeToken(token, false)).toMatchObject({ payload: { sub: 'a' } });
  });
});

describe('oversized', () => {
  it('is null at the limit and token_malformed "Invalid token" above it', () => {
    expect(oversized('x'.repeat(10), 10)).toBeNull();
    expect(plain(oversized('x'.repeat(11), 10))).toEqual({ reason: 'token_malformed', message: 'Invalid token' });
  });
  it('counts bytes, not characters', () => {
    expect(plain(oversized('é'.repeat(6), 10))).toEqual({ reason: 'token_malformed', message: 'Invalid token' });
  });
});

describe('decodeToken', () => {
  it('secure: returns header, payload, the exact signing input and signature', () => {
    const token = rawToken({ alg: 'HS256' }, { sub: 'a' }, 'c2ln');
    const [h, p] = token.split('.');
    expect(decodeToken(token, true)).toEqual({
      header: { alg: 'HS256' },
      payload: { sub: 'a' },
      signingInput: `${h}.${p}`,
      signature: 'c2ln',
    });
  });
  it('insecure: two parts are fine and the header is not read', () => {
    expect(decodeToken(`garbage.${segment('{"sub":"a"}')}`, false)).toMatchObject({ header: undefined, payload: { sub: 'a' } });
  });
  it('secure: two parts, or a signature that is not base64url, is malformed', () => {
    expect(plain(decodeToken(unsignedToken({ sub: 'a' }, { trailingDot: false }), true))).toEqual({
      reason: 'token_malformed',
      message: 'Invalid token',
    });
    expect(plain(decodeToken(rawToken({ alg: 'HS256' }, { sub: 'a' }, 'a+b/'), true))).toEqual({
      reason: 'token_malformed',
      message: 'Invalid token',
    });
  });
});

describe('checkAlgorithm', () => {
  it('passes the configured alg only', () => {
    expect(checkAlgorithm({ alg: 'RS256' }, ['RS256'])).toBeNull();
    for (const alg of ['none', 'None', 'HS256', 'rs256', '', null, 5, ['RS256']]) {
      expect(plain(checkAlgorithm({ alg }, ['RS256']))).toEqual({ reason: 'alg_not_allowed', message: 'Signing algorithm mismatch' });
    }
  });
});

describe('checkSignature', () => {
  const key = createSecretKey(Buffer.from('k'.repeat(32)));
  const input = 'aGVhZGVy.cGF5bG9hZA';
  const mac = signatureOf(input, { alg: 'HS256', key: 'k'.repeat(32) });
  const decoded = (signature: string) => ({ header: { alg: 'HS256' }, payload: {}, signingInput: input, signature });
  it('passes a correct HMAC, refuses a wrong or truncated one', () => {
    expect(checkSignature(decoded(mac), 'HS256', [key])).toBeNull();
    expect(plain(checkSignature(decoded(mac.slice(0, -2)), 'HS256', [key]))).toEqual({
      reason: 'signature_invalid',
      message: 'Invalid token signature',
    });
    expect(plain(checkSignature(decoded(''), 'HS256', [key]))).toEqual({ reason: 'signature_invalid', message: 'Invalid token signature' });
  });
  it('with no keys, nothing verifies', () => {
    expect(plain(checkSignature(decoded(mac), 'HS256', []))).toMatchObject({ reason: 'signature_invalid' });
  });
  it('never throws on a key of the wrong kind', () => {
    expect(plain(checkSignature(decoded(mac), 'RS256', [key]))).toMatchObject({ reason: 'signature_invalid' });
  });
});

describe('validUntil', () => {
  it('the first whole second at which the exp check fails', () => {
    expect(validUntil(1000, 0)).toBe(1001);
    expect(validUntil(1000, 5)).toBe(1006);
    expect(validUntil(999.5, 0)).toBe(1000);
    expect(validUntil(1000.5, 2)).toBe(1003);
  });
  it('agrees with checkTimes at every second around it', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 2e9, noNaN: true }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: -3, max: 3 }),
        (exp, leeway, offset) => {
          const now = validUntil(exp, leeway) + offset;
          expect(checkTimes({ exp }, now, leeway) === null).toBe(offset < 0);
        },
      ),
    );
  });
});

describe('checkTimes', () => {
  const now = 1000;
  it('passes when no time claim is present', () => expect(checkTimes({}, now, 0)).toBeNull());
  it('exp: expired only below now - leeway', () => {
    expect(checkTimes({ exp: now - 5 }, now, 5)).toBeNull();
    expect(plain(checkTimes({ exp: now - 6 }, now, 5))).toEqual({ reason: 'token_expired', message: 'Expired token' });
  });
  it('iat: invalid only above now + leeway, message with the value', () => {
    expect(checkTimes({ iat: now + 5 }, now, 5)).toBeNull();
    expect(plain(checkTimes({ iat: now + 6 }, now, 5))).toEqual({ reason: 'claim_invalid', message: 'Invalid "iat" claim value: 1006' });
  });
  it('nbf: not yet valid only above now + leeway', () => {
    expect(checkTimes({ nbf: now + 5 }, now, 5)).toBeNull();
    expect(plain(checkTimes({ nbf: now + 6 }, now, 5))).toEqual({ reason: 'token_not_yet_valid', message: 'Token is not yet valid' });
  });
  it('fractional seconds are numbers', () => {
    expect(checkTimes({ exp: now - 0.5, iat: now - 0.5, nbf: now - 0.5 }, now, 1)).toBeNull();
    expect(checkTimes({ exp: now + 0.5 }, now, 0)).toBeNull();
    expect(plain(checkTimes({ exp: now - 0.5 }, now, 0))).toMatchObject({ reason: 'token_expired' });
  });
  it.each([
    ['exp', 'x', '"x"'],
    ['iat', '5', '"5"'],
    ['nbf', false, 'false'],
    ['exp', [1], '[1]'],
  ])('%s = %j → claim_invalid', (name, value, shown) => {
    expect(plain(checkTimes({ [name]: value }, now, 0))).toEqual({
      reason: 'claim_invalid',
      message: `Invalid "${name}" claim value: ${shown}`,
    });
  });
});

describe('checkIssuerAndAudience', () => {
  it('passes when not configured, whatever the token says', () => {
    expect(checkIssuerAndAudience({ iss: 1, aud: 2 }, undefined, undefined)).toBeNull();
  });
  it('passes when configured but absent (step 6 reports that)', () => {
    expect(checkIssuerAndAudience({}, 'i', 'a')).toBeNull();
  });
  it('checks iss exactly and aud as a string or an array', () => {
    expect(checkIssuerAndAudience({ iss: 'i', aud: 'a' }, 'i', 'a')).toBeNull();
    expect(checkIssuerAndAudience({ iss: 'i', aud: ['b', 'a'] }, 'i', 'a')).toBeNull();
    expect(plain(checkIssuerAndAudience({ iss: 'j' }, 'i', undefined))).toEqual({
      reason: 'claim_invalid',
      message: 'Invalid "iss" claim value: "j"',
    });
    expect(plain(checkIssuerAndAudience({ aud: ['b'] }, undefined, 'a'))).toEqual({
      reason: 'claim_invalid',
      message: 'Invalid "aud" claim value: ["b"]',
    });
    expect(plain(checkIssuerAndAudience({ aud: { a: 1 } }, undefined, 'a'))).toMatchObject({ reason: 'claim_invalid' });
  });
});

describe('checkRequiredClaims and requiredClaims', () => {
  it('lists exp, iat, then iss and aud when configured', () => {
    expect(requiredClaims(undefined, undefined)).toEqual(['exp', 'iat']);
    expect(requiredClaims('i', undefined)).toEqual(['exp', 'iat', 'iss']);
    expect(requiredClaims(undefined, 'a')).toEqual(['exp', 'iat', 'aud']);
    expect(requiredClaims('i', 'a')).toEqual(['exp', 'iat', 'iss', 'aud']);
  });
  it('reports the first missing one', () => {
    const req = requiredClaims('i', 'a');
    expect(plain(checkRequiredClaims({}, req))).toEqual({ reason: 'claim_missing', message: 'Missing required "exp" claim' });
    expect(plain(checkRequiredClaims({ exp: 1, iat: 1, aud: 'a' }, req))).toEqual({
      reason: 'claim_missing',
      message: 'Missing required "iss" claim',
    });
    expect(checkRequiredClaims({ exp: 1, iat: 1, iss: 'i', aud: 'a' }, req)).toBeNull();
  });
});

describe('extractSubject', () => {
  const SUB = { reason: 'sub_invalid', message: "Missing or invalid 'sub' claim" };
  it('returns sub and the claims object', () => {
    expect(extractSubject({ ns: { sub: 'a', x: 1 } }, ['ns'])).toEqual({ sub: 'a', claims: { sub: 'a', x: 1 } });
    expect(extractSubject({ sub: 'a' }, [])).toEqual({ sub: 'a', claims: { sub: 'a' } });
  });
  it('falls back to user_id only when sub is absent or null', () => {
    expect(extractSubject({ user_id: 'u' }, [])).toMatchObject({ sub: 'u' });
    expect(extractSubject({ sub: null, user_id: 'u' }, [])).toMatchObject({ sub: 'u' });
    expect(plain(extractSubject({ sub: 1, user_id: 'u' }, []))).toEqual(SUB);
  });
  it('refuses a claims object that is missing or not an object', () => {
    expect(plain(extractSubject({ sub: 'a' }, ['ns']))).toEqual(SUB);
    expect(plain(extractSubject({ ns: [] }, ['ns']))).toEqual(SUB);
  });
});

describe('several issuers, audience lists and the token type (docs/protocol.md §16)', () => {
  it('chooseIssuer: the exact iss picks one; none or another is refused', () => {
    const issuers = new Map([
      ['https://a.example', 'A'],
      ['https://b.example/', 'B'],
    ]);
    expect(chooseIssuer({ iss: 'https://a.example' }, issuers)).toBe('A');
    expect(chooseIssuer({ iss: 'https://b.example/' }, issuers)).toBe('B');
    for (const iss of ['https://b.example', 'https://A.example', 5, null, ['https://a.example']]) {
      expect(chooseIssuer({ iss }, issuers)).toBe(UNKNOWN_ISSUER);
    }
    expect(chooseIssuer({}, issuers)).toEqual(new AuthFailure('claim_missing', 'Missing required "iss" claim'));
    expect(UNKNOWN_ISSUER).toEqual(new AuthFailure('claim_invalid', 'Unknown issuer'));
  });

  it('checkIssuerAndAudience: with a list, the aud must hold at least one of them', () => {
    const list = ['api', 'admin'];
    expect(checkIssuerAndAudience({ aud: 'admin' }, undefined, list)).toBeNull();
    expect(checkIssuerAndAudience({ aud: ['x', 'api'] }, undefined, list)).toBeNull();
    expect(checkIssuerAndAudience({ aud: 'x' }, undefined, list)?.message).toBe('Invalid "aud" claim value: "x"');
    expect(checkIssuerAndAudience({ aud: ['x', 5] }, undefined, list)?.reason).toBe('claim_invalid');
    expect(checkIssuerAndAudience({ aud: [] }, undefined, list)?.reason).toBe('claim_invalid');
  });

  it('checkTokenType: equal without regard to case and an application/ prefix; absent is refused', () => {
    const required = normalizeTokenType('application/at+jwt');
    expect(required).toBe('at+jwt');
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+JWT', 'Application/At+Jwt'])
      expect(checkTokenType({ typ }, required)).toBeNull();
    for (const typ of ['JWT', 'at+jwt ', 'application/jwt', 5, undefined]) {
      expect(checkTokenType({ typ }, required)).toEqual(new AuthFailure('token_type_invalid', 'Invalid token type'));
    }
    expect(checkTokenType({}, undefined)).toBeNull();
  });
});
