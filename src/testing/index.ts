import { createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { signedToken, unsignedToken } from '../cli/sign-token.js';
import { ALGORITHM_SPECS, type Algorithm } from '../lib/core/algorithms.js';
import { parseNamespace, placeAtPath } from '../lib/core/namespace.js';
import type { InsecureGatehouseOptions, SecureGatehouseOptions } from '../lib/options/gatehouse-options.js';

// `nestjs-gatehouse/testing`: tokens for a host app's own tests (docs/testing.md).
// Nothing here is used by Gatehouse at run time, and nothing verifies a token.

/** What a test token says. Times are in seconds; `now` defaults to the clock. */
export interface TestTokenOptions {
  /** The user id: `sub` in the claims object. */
  readonly sub: string;
  /** Merged into the claims object (where `namespace` says). */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Where the claims go, as the `namespace` option says it: `/a/b` or one top-level key. Default: the payload. */
  readonly namespace?: string;
  /** Lifetime in seconds from now (default 3600); negative makes an expired token; null leaves `exp` out. */
  readonly expiresIn?: number | null;
  /** `nbf` this many seconds from now: positive makes a token that is not valid yet. */
  readonly notBefore?: number;
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  readonly jti?: string;
  /** The clock, in whole seconds (default: now). */
  readonly now?: number;
}

const DEFAULT_LIFETIME_SECONDS = 3600;

/** The payload of a test token: `iat`, `exp` and the others at the top level, the claims at the namespace. */
export function testPayload(options: TestTokenOptions): Record<string, unknown> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iat: now };
  const lifetime = options.expiresIn === undefined ? DEFAULT_LIFETIME_SECONDS : options.expiresIn;
  if (lifetime !== null) payload.exp = now + lifetime;
  if (options.notBefore !== undefined) payload.nbf = now + options.notBefore;
  if (options.issuer !== undefined) payload.iss = options.issuer;
  if (options.audience !== undefined) payload.aud = options.audience;
  if (options.jti !== undefined) payload.jti = options.jti;
  const path = parseNamespace(options.namespace);
  if (path instanceof Error) throw new TypeError(`namespace ${JSON.stringify(options.namespace)}: ${path.message}`);
  placeAtPath(payload, path, { ...options.claims, sub: options.sub });
  return payload;
}

/** An unsigned token (`alg: none`) for an app in insecure mode. */
export function insecureToken(options: TestTokenOptions): string {
  return unsignedToken(testPayload(options));
}

/** Insecure mode's options for `GatehouseModule.forRoot`, with yours on top. */
export function insecureOptions(extra: Partial<Omit<InsecureGatehouseOptions, 'mode'>> = {}): InsecureGatehouseOptions {
  return { mode: 'insecure', ...extra };
}

/** A JSON Web Key Set, as an identity provider serves it. */
export interface TestJwks {
  readonly keys: readonly (JsonWebKey & { kid: string; alg: Algorithm; use: 'sig' })[];
}

/**
 * A signing key made for one test run (never stored): tokens signed with it, and what
 * `GatehouseModule.forRoot` needs to accept them. HS*: a random secret; the others: a
 * key pair generated in the process (RSA 2048, the algorithm's EC curve, Ed25519).
 */
export class TestSigner {
  /** `key` for the module: the HS* secret, or the PEM public key. */
  readonly key: string;
  /** The public key as a key set (asymmetric algorithms only; empty for HS*), for a test JWKS server. */
  readonly jwks: TestJwks;

  private constructor(
    readonly algorithm: Algorithm,
    readonly kid: string,
    private readonly signingKey: KeyObject,
    key: string,
    jwks: TestJwks,
  ) {
    this.key = key;
    this.jwks = jwks;
  }

  static create(algorithm: Algorithm = 'HS256', kid = `test-${randomBytes(4).toString('hex')}`): TestSigner {
    const spec = ALGORITHM_SPECS[algorithm];
    if (spec === undefined) throw new TypeError(`unknown algorithm ${JSON.stringify(algorithm)}`);
    if (spec.family === 'hmac') {
      const secret = randomBytes(spec.minSecretBytes!).toString('hex');
      return new TestSigner(algorithm, kid, createSecretKey(Buffer.from(secret)), secret, { keys: [] });
    }
    const { privateKey } =
      spec.family === 'ecdsa'
        ? generateKeyPairSync('ec', { namedCurve: spec.curve! })
        : spec.family === 'eddsa'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicKey = createPublicKey(privateKey);
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: algorithm, use: 'sig' as const };
    return new TestSigner(algorithm, kid, privateKey, publicKey.export({ format: 'pem', type: 'spki' }).toString(), { keys: [jwk] });
  }

  /** A token signed with this key (with its `kid` in the header). */
  token(options: TestTokenOptions): string {
    return signedToken(testPayload(options), this.algorithm, this.signingKey, this.kid);
  }

  /** Secure mode's options that accept this signer's tokens, with yours (issuer, audience, namespace...) on top. */
  options(extra: Partial<Omit<SecureGatehouseOptions, 'mode'>> = {}): SecureGatehouseOptions {
    return { mode: 'secure', algorithms: this.algorithm, key: this.key, ...extra };
  }

  /** Secure mode's options for a key set served at `jwksUrl` (serve `jwks` there). */
  jwksOptions(jwksUrl: string, extra: Partial<Omit<SecureGatehouseOptions, 'mode'>> = {}): SecureGatehouseOptions {
    return { mode: 'secure', algorithms: this.algorithm, jwksUrl, ...extra };
  }
}
