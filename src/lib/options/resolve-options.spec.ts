import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenVerifier } from '../core/token-verifier.js';
import { ConfigurationError } from './configuration-error.js';
import type { GatehouseOptions } from './gatehouse-options.js';
import { KEY_SET_ALGORITHMS } from './resolve-keys.js';
import { isProduction, resolveOptions } from './resolve-options.js';
import type { SecureAuthConfig } from './settings.js';
import { generateEc, generateRsa } from '../../../test/support/tokens.js';

// GatehouseModule's options as a module user writes them: defaults, and every problem
// reported at once, each line naming the option by its path.

const SECRET = 's'.repeat(32);

function errorsOf(options: unknown, nodeEnv?: string): string[] {
  try {
    resolveOptions(options as GatehouseOptions, undefined, nodeEnv);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return [...(error as ConfigurationError).lines];
  }
  throw new Error('expected a ConfigurationError');
}

class AlwaysAlice implements TokenVerifier {
  readonly mode = 'secure' as const;
  verify = async () => this.verifyNow();
  verifyNow = () => ({ sub: 'alice' }) as never;
}

describe('resolveOptions: defaults', () => {
  it('fills in every default around the one required option', () => {
    expect(resolveOptions({ mode: 'insecure' }, undefined, undefined)).toEqual({
      auth: { mode: 'insecure', namespace: [], namespaceSetting: undefined, clockTolerance: 2, maxTokenBytes: 8192 },
      globalGuard: true,
      failureLimit: { limit: 30, windowSeconds: 60, maxAddresses: 10000 },
      trustProxy: false,
      ws: {
        path: '/ws',
        authTimeoutMs: 5000,
        expiryNoticeSeconds: 30,
        maxPayloadBytes: 65536,
        pingIntervalMs: 30000,
        maxSocketsPerSub: 100,
        maxBufferedBytes: 1048576,
        maxPendingFrames: 32,
        maxFramesPerSecond: 50,
        maxPendingPerAddress: 100,
      },
      revocation: { dataDir: './data', maxTokenLifetimeSeconds: null, maxEntries: 1_000_000 },
      redisUrl: undefined,
      rights: { scopes: undefined, roles: ['roles'], channels: ['channels'] },
      redisPrefix: 'gatehouse:',
      warnings: [expect.stringMatching(/^mode=insecure: token signatures are NOT verified.*Never use this in production\.$/)],
    });
  });

  it('keeps what is given; false turns the failure limit and the WebSocket off', () => {
    const settings = resolveOptions({
      mode: 'secure',
      algorithms: 'HS256',
      key: SECRET,
      issuer: 'idp',
      audience: 'api',
      namespace: '/app/claims',
      clockTolerance: 0,
      maxTokenBytes: 256,
      globalGuard: false,
      failureLimit: false,
      trustProxy: ['loopback', '10.0.0.0/8'],
      ws: false,
    });
    expect(settings).toMatchObject({
      auth: {
        mode: 'secure',
        algorithms: ['HS256'],
        issuer: 'idp',
        audience: 'api',
        namespace: ['app', 'claims'],
        clockTolerance: 0,
        maxTokenBytes: 256,
      },
      globalGuard: false,
      failureLimit: { limit: 0, windowSeconds: 60, maxAddresses: 10000 },
      trustProxy: ['loopback', '10.0.0.0/8'],
      ws: false,
      warnings: [],
    });
    expect(
      resolveOptions({ mode: 'insecure', ws: { path: '/live', maxSocketsPerSub: 5 }, failureLimit: { limit: 3 }, trustProxy: 2 }),
    ).toMatchObject({
      ws: { path: '/live', maxSocketsPerSub: 5, authTimeoutMs: 5000 },
      failureLimit: { limit: 3, windowSeconds: 60, maxAddresses: 10000 },
      trustProxy: 2,
    });
  });

  it('algorithms: one name or a list; with jwksUrl every asymmetric one by default', () => {
    const rsa = generateRsa();
    expect((resolveOptions({ mode: 'secure', algorithms: ['RS256'], key: rsa.publicPem }).auth as SecureAuthConfig).algorithms).toEqual([
      'RS256',
    ]);
    const jwks = resolveOptions({ mode: 'secure', jwksUrl: 'https://idp.example/jwks' }).auth as SecureAuthConfig;
    expect(jwks).toMatchObject({ algorithms: KEY_SET_ALGORITHMS, keySource: { kind: 'jwks', url: 'https://idp.example/jwks' } });
    const listed = resolveOptions({ mode: 'secure', jwksUrl: 'https://idp.example/jwks', algorithms: ['ES256', 'EdDSA', 'ES256'] });
    expect((listed.auth as SecureAuthConfig).algorithms).toEqual(['ES256', 'EdDSA']);
  });

  it('a key file, and a private key warning naming the option', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-options-'));
    try {
      const ec = generateEc('P-256');
      writeFileSync(join(dir, 'key.pem'), ec.privatePem);
      const settings = resolveOptions({ mode: 'secure', algorithms: 'ES256', keyFile: join(dir, 'key.pem') });
      expect(settings.warnings).toEqual([expect.stringMatching(/^keyFile holds a private key; Gatehouse only needs the public key/)]);
      const auth = settings.auth as SecureAuthConfig;
      expect(auth.keySource.kind === 'static' && auth.keySource.keys[0].type).toBe('public');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveOptions: every problem at once, each naming its option', () => {
  it('insecure mode', () => {
    expect(
      errorsOf(
        {
          mode: 'insecure',
          namespace: '/a~2',
          clockTolerance: 301,
          maxTokenBytes: '8192',
          issuer: 'idp',
          keyIsBase64: false,
          allowInProduction: 'yes',
          globalGuard: 1,
          failureLimit: { limit: -1, windowSeconds: 0.5, maxAddresses: 10, max: 3 },
          trustProxy: ['10.0.0.1', 'proxy.example'],
          ws: { path: 'ws', authTimeoutMs: 0, maxSocketsPerSub: 0, maxBufferedBytes: 100, maxPendingFrames: 2000, timeout: 1 },
          jwksURL: 'https://idp.example/jwks',
        },
        'production',
      ),
    ).toEqual([
      'namespace has invalid value: "/a~2". "~" must be followed by 0 or 1 in a JSON Pointer (RFC 6901), as in ~0 for "~" and ~1 for "/"',
      'clockTolerance has invalid value: 301. Must be a whole number from 0 to 300',
      'maxTokenBytes has invalid value: "8192". Must be a whole number from 256 to 65536',
      'keyIsBase64 is not valid in Insecure auth mode. Did you forget to set mode=secure?',
      'issuer is not valid in Insecure auth mode. Did you forget to set mode=secure?',
      'allowInProduction has invalid value: "yes". Must be one of [true, false]',
      'mode=insecure refuses to start with NODE_ENV=production: it accepts unsigned tokens. Use mode=secure, or set allowInProduction=true if you really mean it',
      'ws.timeout is not a Gatehouse option',
      'ws.path has invalid value: "ws". Must be a path that starts with / (no spaces, ? or #)',
      'ws.authTimeoutMs has invalid value: 0. Must be a whole number from 1 to 600000',
      'ws.maxSocketsPerSub has invalid value: 0. Must be a whole number from 1 to 100000',
      'ws.maxBufferedBytes has invalid value: 100. Must be a whole number from 1024 to 1073741824',
      'ws.maxPendingFrames has invalid value: 2000. Must be a whole number from 0 to 1024',
      'failureLimit.max is not a Gatehouse option',
      'failureLimit.limit has invalid value: -1. Must be a whole number from 0 to 1000000',
      'failureLimit.windowSeconds has invalid value: 0.5. Must be a whole number from 1 to 86400',
      'failureLimit.maxAddresses has invalid value: 10. Must be a whole number from 100 to 10000000',
      'trustProxy has invalid value: ["10.0.0.1","proxy.example"]. Must be true, false, a hop count from 1 to 100, or a list of IP addresses/CIDRs',
      'globalGuard has invalid value: 1. Must be one of [true, false]',
      'jwksURL is not a Gatehouse option',
    ]);
  });

  it('secure mode with static keys', () => {
    expect(errorsOf({ mode: 'secure' })).toEqual(['algorithms not set', 'key not set']);
    expect(errorsOf({ mode: 'secure', algorithms: 'HS256', key: 'short', ws: 'yes', failureLimit: true })).toEqual([
      'key has to be at least 32 bytes long for HS256',
      'ws has invalid value: "yes". Must be an object of WebSocket settings, or false',
      'failureLimit has invalid value: true. Must be an object { limit, windowSeconds, maxAddresses }, or false',
    ]);
    expect(errorsOf({ mode: 'secure', algorithms: ['RS256', 'ES256'], key: SECRET, keyFile: '/run/secrets/key' })).toEqual([
      'algorithms has invalid value: ["RS256","ES256"]. Must be one of ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"]',
      'keyFile and key are both set: use one of them',
    ]);
    expect(errorsOf({ mode: 'secure', algorithms: 'ES256', key: generateRsa().publicPem })).toEqual([
      'key is not a valid key for algorithms=ES256',
      'key expected an EC public key on curve P-256 (prime256v1), got an RSA key of 2048 bits',
    ]);
    expect(errorsOf({ mode: 'secure', algorithms: 'HS256', key: generateRsa().publicPem })).toEqual([
      "key holds a PEM key, but algorithms=HS256 needs a shared secret; for a public key, set algorithms to the key's algorithm (RS256, ES256, ...)",
    ]);
    expect(errorsOf({ mode: 'secure', algorithms: 'RS256', key: generateRsa().publicPem, keyIsBase64: true })).toEqual([
      'keyIsBase64 applies only to HS* algorithms; for algorithms=RS256 give the PEM itself (a one-line value with \\n escapes works)',
    ]);
    expect(errorsOf({ mode: 'secure', algorithms: 'RS256', keyFile: '/nonexistent/key.pem' })).toEqual([
      'keyFile cannot be read: "/nonexistent/key.pem" (ENOENT)',
    ]);
    expect(errorsOf({ mode: 'secure', algorithms: 'HS256', key: 42 })).toEqual(['key has invalid value: 42. Must be a string']);
  });

  it('secure mode with a key set', () => {
    expect(
      errorsOf({
        mode: 'secure',
        jwksUrl: 'ftp://idp.example/jwks',
        key: SECRET,
        keyIsBase64: true,
        algorithms: ['RS256', 'HS256', 'XX1'],
      }),
    ).toEqual([
      'jwksUrl and key are both set: use one of them',
      'keyIsBase64 applies only to an HS* key, not to jwksUrl',
      'jwksUrl has invalid value: "ftp://idp.example/jwks". Must be an http:// or https:// URL',
      `algorithms has invalid value: "HS256". HS* keys are never taken from jwksUrl; with a key set it must be among [${KEY_SET_ALGORITHMS.map((a) => `"${a}"`).join(', ')}]`,
      `algorithms has invalid value: "XX1". Must be one of [${KEY_SET_ALGORITHMS.map((a) => `"${a}"`).join(', ')}]`,
    ]);
  });

  it('a missing or unknown mode: no lines about a mode nobody chose', () => {
    expect(errorsOf({})).toEqual(['mode not set: must be "secure" or "insecure", or give a verifier']);
    expect(errorsOf({ mode: 'sekure', clockTolerance: -1, allowInProduction: 'no' })).toEqual([
      'mode has invalid value: "sekure". Must be one of ["secure", "insecure"]',
      'clockTolerance has invalid value: -1. Must be a whole number from 0 to 300',
      'allowInProduction has invalid value: "no". Must be one of [true, false]',
    ]);
    expect(errorsOf(null)).toEqual(['Gatehouse options must be an object, got null']);
  });

  it('blank strings count as unset, as blank variables do', () => {
    expect(resolveOptions({ mode: 'insecure', issuer: '', audience: ' ', namespace: '' } as GatehouseOptions).auth).toMatchObject({
      mode: 'insecure',
      namespace: [],
    });
  });
});

describe('resolveOptions: insecure mode and production', () => {
  it.each(['production', 'prod', ' Production ', 'PROD'])('refuses NODE_ENV=%j unless allowInProduction', (nodeEnv) => {
    expect(errorsOf({ mode: 'insecure' }, nodeEnv)).toHaveLength(1);
    expect(resolveOptions({ mode: 'insecure', allowInProduction: true }, undefined, nodeEnv).auth.mode).toBe('insecure');
  });
  it('reads process.env.NODE_ENV when not told otherwise', () => {
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = 'prod';
    try {
      expect(() => resolveOptions({ mode: 'insecure' })).toThrow(/mode=insecure refuses to start with NODE_ENV=prod/);
    } finally {
      process.env.NODE_ENV = saved;
    }
  });
  it('isProduction', () => {
    expect([' production', 'PROD', 'Production ', 'prod'].every(isProduction)).toBe(true);
    expect([undefined, '', 'development', 'production1', 'pro', 'preprod', 'test'].some(isProduction)).toBe(false);
  });
});

describe('resolveOptions: a custom verifier', () => {
  it('mode custom, nothing else of the JWT check', () => {
    const settings = resolveOptions({ verifier: AlwaysAlice, ws: { maxSocketsPerSub: 2 } });
    expect(settings.auth).toEqual({ mode: 'custom', verifier: AlwaysAlice });
    expect(settings.ws).toMatchObject({ maxSocketsPerSub: 2 });
    expect(settings.warnings).toEqual([]);
    expect(resolveOptions({ mode: 'custom', verifier: AlwaysAlice }).auth.mode).toBe('custom');
  });
  it('refuses JWT options with it, each by name', () => {
    expect(errorsOf({ verifier: AlwaysAlice, clockTolerance: 5, key: SECRET, issuer: 'idp', allowInProduction: true })).toEqual([
      'clockTolerance is not valid with a custom verifier: the verifier checks tokens itself',
      'allowInProduction is not valid with a custom verifier: the verifier checks tokens itself',
      'key is not valid with a custom verifier: the verifier checks tokens itself',
      'issuer is not valid with a custom verifier: the verifier checks tokens itself',
    ]);
  });
  it('refuses a verifier with a JWT mode, a missing one, and one that is not a class', () => {
    expect(errorsOf({ mode: 'secure', verifier: AlwaysAlice })).toEqual([
      'verifier is not valid in secure mode: leave mode unset (or "custom") to check tokens with your own verifier',
    ]);
    expect(errorsOf({ mode: 'custom' })).toEqual(['verifier not set: mode="custom" needs a verifier class']);
    expect(errorsOf({ verifier: { verify: () => null } })[0]).toMatch(
      /^verifier has invalid value: \{\}\. Must be a class implementing TokenVerifier$/,
    );
  });
});

describe('resolveOptions: where rights are read (docs/protocol.md §15)', () => {
  it('takes a JSON Pointer or one top-level key for each claim, in every mode', () => {
    const settings = resolveOptions({
      mode: 'insecure',
      scopesClaim: 'permissions',
      rolesClaim: '/realm_access/roles',
      channelsClaim: 'rooms',
    });
    expect(settings.rights).toEqual({ scopes: ['permissions'], roles: ['realm_access', 'roles'], channels: ['rooms'] });
  });

  it('names each bad claim setting', () => {
    expect(() => resolveOptions({ mode: 'insecure', rolesClaim: '/a~2', scopesClaim: 42 as never })).toThrow(
      expect.objectContaining({
        lines: [
          'scopesClaim has invalid value: 42. Must be a string',
          expect.stringMatching(/^rolesClaim has invalid value: "\/a~2". "~" must be followed by 0 or 1/),
        ],
      }) as Error,
    );
  });
});
