import { createSecretKey, type KeyObject } from 'node:crypto';
import { AuthFailure } from '../core/auth-failure.js';
import { KeySource, type KeySourceStatus } from '../keys/key-source.js';
import { parseNamespace } from '../core/namespace.js';
import type { ValidationResult } from '../core/validate-token.js';
import { InsecureJwtVerifier } from './insecure-jwt-verifier.js';
import { SecureJwtVerifier } from './secure-jwt-verifier.js';
import { signedToken, unsignedToken } from '../../../test/support/tokens.js';

// The strategies with their cache of verified tokens: whatever the cache holds, every
// answer is the one a fresh check would give at that moment.

const NOW = 1_767_225_600;
const namespace = parseNamespace(undefined) as never;
const common = { namespace, namespaceSetting: undefined, clockTolerance: 2, maxTokenBytes: 8192 };

const reason = (result: ValidationResult) => (result instanceof AuthFailure ? result.reason : 'ok');

/** Keys that can be swapped, as a key set refresh does. */
class SwappableKeys extends KeySource {
  private loads = 1;
  constructor(private keys: readonly KeyObject[]) {
    super();
  }
  status(): KeySourceStatus {
    return { ready: true };
  }
  keysFor(): readonly KeyObject[] {
    return this.keys;
  }
  refreshForUnknownKid(): Promise<boolean> {
    return Promise.resolve(false);
  }
  override get version(): number {
    return this.loads;
  }
  replace(keys: readonly KeyObject[]): void {
    this.keys = keys;
    this.loads += 1;
  }
}

describe('strategies with the verified-token cache', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW * 1000);
  });
  afterEach(() => vi.useRealTimers());

  const insecure = () => new InsecureJwtVerifier({ mode: 'insecure', ...common });

  it('answers a repeated token with the same session', async () => {
    const strategy = insecure();
    const token = unsignedToken({ sub: 'alice', iat: NOW, exp: NOW + 60 });
    const first = await strategy.verify(token);
    expect(reason(first)).toBe('ok');
    expect(await strategy.verify(token)).toEqual(first);
  });

  it('never accepts a cached token once it has expired: token_expired, as a fresh check says', async () => {
    const strategy = insecure();
    const token = unsignedToken({ sub: 'alice', iat: NOW, exp: NOW + 60 });
    expect(reason(await strategy.verify(token))).toBe('ok');
    vi.setSystemTime((NOW + 60 + 2) * 1000); // exp + leeway: still valid
    expect(reason(await strategy.verify(token))).toBe('ok');
    vi.setSystemTime((NOW + 60 + 3) * 1000);
    expect(reason(await strategy.verify(token))).toBe('token_expired');
  });

  it('never caches a failure: a token not yet valid is accepted once its nbf comes', async () => {
    const strategy = insecure();
    const token = unsignedToken({ sub: 'alice', iat: NOW, nbf: NOW + 10, exp: NOW + 60 });
    expect(reason(await strategy.verify(token))).toBe('token_not_yet_valid');
    vi.setSystemTime((NOW + 10) * 1000);
    expect(reason(await strategy.verify(token))).toBe('ok');
  });

  it('re-checks every time a token it refused for its signature', async () => {
    const secret = 'a-secret-that-is-at-least-32-bytes-long!!';
    const keys = new SwappableKeys([createSecretKey(Buffer.from('another-secret-of-at-least-32-bytes!!'))]);
    const strategy = new SecureJwtVerifier(
      { mode: 'secure', ...common, algorithms: ['HS256'], keySource: { kind: 'static', keys: [] }, issuer: undefined, audience: undefined },
      keys,
    );
    const token = signedToken({ sub: 'alice', iat: NOW, exp: NOW + 60 }, { alg: 'HS256', key: secret });
    expect(reason(await strategy.verify(token))).toBe('signature_invalid');
    keys.replace([createSecretKey(Buffer.from(secret))]);
    expect(reason(await strategy.verify(token))).toBe('ok');
  });

  it('drops what it verified when the keys change: a removed key stops working at once', async () => {
    const secret = 'a-secret-that-is-at-least-32-bytes-long!!';
    const keys = new SwappableKeys([createSecretKey(Buffer.from(secret))]);
    const strategy = new SecureJwtVerifier(
      { mode: 'secure', ...common, algorithms: ['HS256'], keySource: { kind: 'static', keys: [] }, issuer: undefined, audience: undefined },
      keys,
    );
    const token = signedToken({ sub: 'alice', iat: NOW, exp: NOW + 60 }, { alg: 'HS256', key: secret });
    expect(reason(await strategy.verify(token))).toBe('ok');
    expect(reason(await strategy.verify(token))).toBe('ok'); // from the cache
    keys.replace([createSecretKey(Buffer.from('another-secret-of-at-least-32-bytes!!'))]);
    expect(reason(await strategy.verify(token))).toBe('signature_invalid');
  });
});
