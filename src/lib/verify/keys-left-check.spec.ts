import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AuthFailure } from '../core/auth-failure.js';
import { parseNamespace } from '../core/namespace.js';
import type { Session } from '../core/session.js';
import { KeySet } from '../keys/key-set.js';
import { KeySource, type KeySourceStatus } from '../keys/key-source.js';
import { signedToken, validFor } from '../../../test/support/tokens.js';
import { SecureJwtVerifier } from './secure-jwt-verifier.js';

// SecureJwtVerifier.keysLeftCheck(): after the key set changed, which live sessions
// would now fail step 3. Each session is judged by the key that verified its token,
// found again among the keys the new set offers for that token's alg and kid.

const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const [k1, k2, k3] = [pair(), pair(), pair()];

/** A copy of a public key, as a refetch imports it: equal material, another object. */
const reimported = (key: KeyObject) => createPublicKey({ key: key.export({ format: 'jwk' }), format: 'jwk' });

class SwappableSet extends KeySource {
  private loads = 1;
  constructor(private set: KeySet) {
    super();
  }
  status(): KeySourceStatus {
    return { ready: true };
  }
  keysFor(header: Record<string, unknown>) {
    return this.set.keysFor(header);
  }
  refreshForUnknownKid(): Promise<boolean> {
    return Promise.resolve(false);
  }
  override get version(): number {
    return this.loads;
  }
  replace(keys: readonly [string | undefined, KeyObject][]): void {
    this.set = keySet(keys);
    this.loads += 1;
  }
}

function keySet(keys: readonly [string | undefined, KeyObject][]): KeySet {
  return new KeySet(
    'https://issuer.example/jwks',
    keys.map(([kid, key]) => ({ kid, key, algorithms: ['ES256'] })),
    new Date(),
  );
}

const config = {
  mode: 'secure' as const,
  namespace: parseNamespace(undefined) as never,
  namespaceSetting: undefined,
  clockTolerance: 0,
  maxTokenBytes: 8192,
  algorithms: ['ES256' as const],
  keySource: { kind: 'jwks' as const, url: 'https://issuer.example/jwks' },
  issuer: undefined,
  audience: undefined,
};

async function sessionOf(verifier: SecureJwtVerifier, signer: KeyObject, kid?: string, sub = 'alice'): Promise<Session> {
  const result = await verifier.verify(signedToken({ sub, ...validFor() }, { alg: 'ES256', key: signer, kid }));
  if (result instanceof AuthFailure) throw new Error(result.reason);
  return result;
}

const verdict = (check: (session: Session) => AuthFailure | undefined, session: Session) => check(session)?.reason ?? 'kept';

describe('SecureJwtVerifier.keysLeftCheck', () => {
  it('refuses exactly the sessions whose key left the set, with kid or without', async () => {
    const keys = new SwappableSet(
      keySet([
        ['k1', reimported(k1.publicKey)],
        ['k2', reimported(k2.publicKey)],
      ]),
    );
    const verifier = new SecureJwtVerifier(config, keys);
    const sessions = {
      k1: await sessionOf(verifier, k1.privateKey, 'k1'),
      k2: await sessionOf(verifier, k2.privateKey, 'k2'),
      k1NoKid: await sessionOf(verifier, k1.privateKey, undefined, 'carol'),
      k2NoKid: await sessionOf(verifier, k2.privateKey, undefined, 'dave'),
    };
    keys.replace([
      ['k2', reimported(k2.publicKey)],
      ['k3', reimported(k3.publicKey)],
    ]);
    const check = verifier.keysLeftCheck();
    expect(Object.fromEntries(Object.entries(sessions).map(([name, session]) => [name, verdict(check, session)]))).toEqual({
      k1: 'key_not_found',
      k2: 'kept',
      k1NoKid: 'key_not_found',
      k2NoKid: 'kept',
    });
  });

  it('a key published again under another kid is not the key the token named', async () => {
    const keys = new SwappableSet(keySet([['k1', reimported(k1.publicKey)]]));
    const verifier = new SecureJwtVerifier(config, keys);
    const session = await sessionOf(verifier, k1.privateKey, 'k1');
    keys.replace([['renamed', reimported(k1.publicKey)]]);
    expect(verdict(verifier.keysLeftCheck(), session)).toBe('key_not_found');
  });

  it('follows a kept key across refreshes: removed two rotations later, the session is refused then', async () => {
    const keys = new SwappableSet(keySet([['k2', reimported(k2.publicKey)]]));
    const verifier = new SecureJwtVerifier(config, keys);
    const session = await sessionOf(verifier, k2.privateKey, 'k2');
    keys.replace([
      ['k2', reimported(k2.publicKey)],
      ['k3', reimported(k3.publicKey)],
    ]);
    expect(verdict(verifier.keysLeftCheck(), session)).toBe('kept');
    keys.replace([['k2', reimported(k2.publicKey)]]);
    expect(verdict(verifier.keysLeftCheck(), session)).toBe('kept');
    keys.replace([['k3', reimported(k3.publicKey)]]);
    expect(verdict(verifier.keysLeftCheck(), session)).toBe('key_not_found');
  });

  it('a session it did not verify (another verifier, a custom one) is left alone', () => {
    const verifier = new SecureJwtVerifier(config, new SwappableSet(keySet([])));
    const foreign: Session = { sub: 'x', expiresAt: null, claims: {}, authMode: 'custom' };
    expect(verdict(verifier.keysLeftCheck(), foreign)).toBe('kept');
  });
});
