import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { KEY_SET_ALGORITHMS } from '../options/resolve-keys.js';
import { importKeySet } from './jwk-import.js';
import { KeySet } from './key-set.js';

const jwk = (key: KeyObject, extra: Record<string, unknown> = {}) => ({ ...key.export({ format: 'jwk' }), ...extra });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');

describe('importKeySet', () => {
  it('throws when the body is not a key set', () => {
    for (const body of [null, [], 'x', { keys: 'no' }, {}]) {
      expect(() => importKeySet(body, KEY_SET_ALGORITHMS)).toThrow(/not a JSON Web Key Set/);
    }
  });

  it('keeps usable keys with the algorithms they fit, and explains every other one', () => {
    const { entries, ignored } = importKeySet(
      {
        keys: [
          jwk(rsa.publicKey, { kid: 'rsa' }),
          jwk(p256.publicKey, { kid: 'ec', alg: 'ES256', use: 'sig' }),
          jwk(ed.publicKey, { kid: 'ed' }),
          jwk(rsa2.publicKey, { kid: 'enc', use: 'enc' }),
          jwk(rsa2.publicKey, { kid: 'ops', key_ops: ['encrypt'] }),
          { kty: 'oct', kid: 'hs', k: 'c2VjcmV0' },
          jwk(small.publicKey, { kid: 'small' }),
          jwk(p384.publicKey, { kid: 'wrong-curve', alg: 'ES256' }),
          jwk(rsa.publicKey, { kid: 'hs-alg', alg: 'HS256' }),
          { kty: 'RSA', kid: 'broken', n: 'AQAB' },
          'not an object',
        ],
      },
      KEY_SET_ALGORITHMS,
    );
    expect(entries.map((e) => [e.kid, e.algorithms])).toEqual([
      ['rsa', ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']],
      ['ec', ['ES256']],
      ['ed', ['EdDSA']],
    ]);
    expect(ignored).toEqual([
      'kid "enc" ignored: its "use" is "enc", not "sig"',
      'kid "ops" ignored: its "key_ops" ["encrypt"] do not include "verify"',
      'kid "hs" ignored: a shared secret (kty "oct"); HS* keys are never taken from a key set',
      'kid "small" ignored: fits none of the allowed algorithms [RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, EdDSA]',
      'kid "wrong-curve" ignored: fits none of the allowed algorithms [ES256]: expected an EC public key on curve P-256 (prime256v1), got an EC key on curve P-384 (secp384r1)',
      `kid "hs-alg" ignored: its "alg" "HS256" is not among the allowed [${KEY_SET_ALGORITHMS.join(', ')}]`,
      expect.stringMatching(/^kid "broken" ignored: not a valid RSA key/),
      'key #11 ignored: not a JSON object',
    ]);
  });

  it('honours the configured algorithm list', () => {
    const { entries, ignored } = importKeySet({ keys: [jwk(rsa.publicKey, { kid: 'r' }), jwk(ed.publicKey, { kid: 'e' })] }, ['EdDSA']);
    expect(entries.map((e) => e.kid)).toEqual(['e']);
    expect(ignored).toEqual([
      'kid "r" ignored: fits none of the allowed algorithms [EdDSA]: expected an Ed25519 or Ed448 public key, got an RSA key of 2048 bits',
    ]);
  });

  it('keeps only the public part of a private JWK', () => {
    const { entries } = importKeySet({ keys: [jwk(ed.privateKey, { kid: 'priv' })] }, ['EdDSA']);
    expect(entries[0].key.type).toBe('public');
  });
});

describe('KeySet.keysFor', () => {
  const set = new KeySet(
    'https://idp.example/jwks',
    importKeySet(
      {
        keys: [
          jwk(rsa.publicKey, { kid: 'a', alg: 'RS256' }),
          jwk(rsa2.publicKey, { kid: 'a', alg: 'PS256' }), // same kid, other alg
          jwk(p256.publicKey, { kid: 'b' }),
          jwk(ed.publicKey), // no kid
        ],
      },
      KEY_SET_ALGORITHMS,
    ).entries,
    new Date(),
  );

  // KeyObjects from a JWK are new objects: compare what they hold.
  const same = (keys: readonly KeyObject[] | undefined, expected: KeyObject[]) =>
    expect(keys?.every((key, i) => key.equals(expected[i])) && keys.length === expected.length).toBe(true);

  it('chooses by kid and alg', () => {
    same(set.keysFor({ alg: 'RS256', kid: 'a' }), [rsa.publicKey]);
    same(set.keysFor({ alg: 'PS256', kid: 'a' }), [rsa2.publicKey]);
    same(set.keysFor({ alg: 'ES256', kid: 'b' }), [p256.publicKey]);
  });

  it('gives an empty list for a known kid whose keys do not fit the alg', () => {
    expect(set.keysFor({ alg: 'ES256', kid: 'a' })).toEqual([]);
  });

  it('gives undefined for a kid the set does not hold, or a kid that is not a string', () => {
    expect(set.keysFor({ alg: 'RS256', kid: 'zzz' })).toBeUndefined();
    expect(set.keysFor({ alg: 'RS256', kid: 7 })).toBeUndefined();
  });

  it('tries every key that fits the alg when the token has no kid', () => {
    same(set.keysFor({ alg: 'EdDSA' }), [ed.publicKey]);
    same(set.keysFor({ alg: 'RS256' }), [rsa.publicKey]);
    expect(set.keysFor({ alg: 'ES384' })).toEqual([]);
  });
});

describe('KeySet.keysFor with a large set', () => {
  const pairs = Array.from({ length: 20 }, () => generateKeyPairSync('ed25519'));
  const entries = importKeySet({ keys: pairs.map((pair, i) => jwk(pair.publicKey, { kid: i < 10 ? 'same' : `k${i}` })) }, [
    'EdDSA',
  ]).entries;
  const set = new KeySet('https://idp.example/jwks', entries, new Date());

  it('gives a token without kid the first 8 keys that fit, in set order', () => {
    const keys = set.keysFor({ alg: 'EdDSA' })!;
    expect(keys).toHaveLength(8);
    expect(keys.every((key, i) => key.equals(pairs[i].publicKey))).toBe(true);
  });

  it('caps a kid the provider repeated the same way', () => {
    expect(set.keysFor({ alg: 'EdDSA', kid: 'same' })).toHaveLength(8);
    expect(set.keysFor({ alg: 'EdDSA', kid: 'k15' })).toHaveLength(1);
  });
});
