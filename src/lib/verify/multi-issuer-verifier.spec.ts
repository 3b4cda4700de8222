import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { IssuerKeySources } from '../keys/issuer-key-sources.js';
import { KeySet } from '../keys/key-set.js';
import { KeySource, type KeySourceStatus } from '../keys/key-source.js';
import { resolveOptions } from '../options/resolve-options.js';
import type { IssuersAuthConfig } from '../options/settings.js';
import { signedToken, validFor } from '../../../test/support/tokens.js';
import { MultiIssuerVerifier } from './multi-issuer-verifier.js';
import { rightsOf } from '../core/rights.js';

// One verifier per issuer behind one TokenVerifier: the iss picks, that issuer's keys
// alone decide, each issuer's keys change on their own.

const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const [a, b] = [pair(), pair()];
const A = 'https://a.example';
const B = 'https://b.example';

/** A key set whose keys the test replaces, or that is not loaded yet (undefined). */
class ScriptedSet extends KeySource {
  private loads = 0;
  constructor(private set: KeySet | undefined) {
    super();
  }
  status(): KeySourceStatus {
    return this.set ? { ready: true } : { ready: false, message: 'not loaded yet' };
  }
  keysFor(header: Record<string, unknown>) {
    return this.set?.keysFor(header);
  }
  refreshForUnknownKid(): Promise<boolean> {
    return Promise.resolve(false);
  }
  override get version(): number {
    return this.loads;
  }
  load(key: KeyObject | undefined): void {
    this.set = key && keySet(key);
    this.loads += 1;
    this.changed();
  }
}
const keySet = (key: KeyObject) => new KeySet('https://x/jwks', [{ kid: 'shared', key, algorithms: ['ES256'] }], new Date());

function setup() {
  const auth = resolveOptions({
    mode: 'secure',
    issuers: [
      { issuer: A, jwksUrl: `${A}/jwks`, rolesClaim: '/realm_access/roles' },
      { issuer: B, jwksUrl: `${B}/jwks` },
    ],
  }).auth as IssuersAuthConfig;
  const sources = [new ScriptedSet(keySet(a.publicKey)), new ScriptedSet(keySet(b.publicKey))];
  const keys = new IssuerKeySources(auth.issuers.map((issuer, i) => ({ label: issuer.label, source: sources[i] })));
  return { verifier: new MultiIssuerVerifier(auth, keys), sources, keys };
}
const token = (iss: string | undefined, key: KeyObject, claims: Record<string, unknown> = {}) =>
  signedToken({ iss, sub: 'alice', ...validFor(), ...claims }, { alg: 'ES256', key, kid: 'shared' });
const outcome = async (result: Session | AuthFailure | Promise<Session | AuthFailure>) => {
  const value = await result;
  return value instanceof AuthFailure ? value.reason : 'ok';
};

describe('MultiIssuerVerifier', () => {
  it("verifies each issuer's token with its keys only, under the same kid", async () => {
    const { verifier } = setup();
    expect(await outcome(verifier.verify(token(A, a.privateKey)))).toBe('ok');
    expect(await outcome(verifier.verify(token(B, b.privateKey)))).toBe('ok');
    expect(await outcome(verifier.verify(token(A, b.privateKey)))).toBe('signature_invalid');
    expect(await outcome(verifier.verify(token('https://c.example', a.privateKey)))).toBe('claim_invalid');
    expect(await outcome(verifier.verify(token(undefined, a.privateKey)))).toBe('claim_missing');
    expect(await outcome(verifier.verify('not.a.token'))).toBe('token_malformed');
  });

  it("reads rights where each issuer's claim options say", async () => {
    const { verifier } = setup();
    const claims = { realm_access: { roles: ['admin'] }, roles: ['reader'] };
    const fromA = (await verifier.verify(token(A, a.privateKey, claims))) as Session;
    const fromB = (await verifier.verify(token(B, b.privateKey, claims))) as Session;
    expect([...rightsOf(fromA, { scopes: undefined, roles: ['x'], channels: ['x'] }).roles]).toEqual(['admin']);
    expect([...rightsOf(fromB, { scopes: undefined, roles: ['x'], channels: ['x'] }).roles]).toEqual(['reader']);
  });

  it('answers 503 auth_unavailable for an issuer whose keys are not loaded; the other keeps working', async () => {
    const { verifier, sources, keys } = setup();
    sources[1].load(undefined);
    expect(await outcome(verifier.verify(token(B, b.privateKey)))).toBe('auth_unavailable');
    expect(await outcome(verifier.verify(token(A, a.privateKey)))).toBe('ok');
    expect(keys.status()).toMatchObject({
      ready: true,
      message: 'keys not loaded yet for issuer(s): b.example',
      issuers: [
        { issuer: 'a.example', ready: true },
        { issuer: 'b.example', ready: false, message: 'not loaded yet' },
      ],
    });
  });

  it("a rotation at one issuer drops that issuer's sessions only, and only its sessions are looked at", async () => {
    const { verifier, sources, keys } = setup();
    const fromA = (await verifier.verify(token(A, a.privateKey))) as Session;
    const fromB = (await verifier.verify(token(B, b.privateKey))) as Session;
    let changes = 0;
    keys.onChange(() => (changes += 1));
    sources[0].load(pair().publicKey);
    expect(changes).toBe(1);
    const check = verifier.keysLeftCheck();
    expect(check(fromA)?.reason).toBe('key_not_found');
    expect(check(fromB)).toBeUndefined();
    // Nothing changed since: nothing to look at.
    expect(verifier.keysLeftCheck()(fromA)).toBeUndefined();
    expect(await outcome(verifier.verify(token(B, b.privateKey)))).toBe('ok');
  });
});
