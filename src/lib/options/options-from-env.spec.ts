import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALGORITHMS } from '../core/algorithms.js';
import { SecureJwtVerifier } from '../verify/secure-jwt-verifier.js';
import { StaticKeySource } from '../keys/static-key-source.js';
import { InsecureJwtVerifier } from '../verify/insecure-jwt-verifier.js';
import { ConfigurationError } from './configuration-error.js';
import { gatehouseOptionsFromEnv, type Environment } from './options-from-env.js';
import type { JwtAuthConfig, SecureAuthConfig } from './settings.js';
import { parseServerEnvironment } from '../../server/config/server-settings.js';
import { generateEc, generateRsa, signedToken, unsignedToken, validFor } from '../../../test/support/tokens.js';

/** The whole server environment: Gatehouse's variables and the server's (PORT, HOST). */
function parseEnvironment(env: Environment) {
  const { settings, server } = parseServerEnvironment(env);
  return { ...settings, auth: settings.auth as JwtAuthConfig, server };
}

function errorsOf(env: Environment): string[] {
  let thrown: unknown;
  try {
    parseEnvironment(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigurationError);
  const error = thrown as ConfigurationError;
  expect(error.message).toContain(error.lines.join('\n'));
  return [...error.lines];
}

/** The secure strategy as AuthModule builds it for static keys. */
function strategyOf(auth: SecureAuthConfig): SecureJwtVerifier {
  if (auth.keySource.kind !== 'static') throw new Error('expected static keys');
  return new SecureJwtVerifier(auth, new StaticKeySource(auth.keySource.keys));
}
const staticKeys = (auth: SecureAuthConfig) => (auth.keySource.kind === 'static' ? auth.keySource.keys : []);

const SECRET = 's'.repeat(32);
const HS = { AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: SECRET };
const insecureHint = (name: string) => `${name} is not valid in Insecure auth mode. Did you forget to set AUTH_MODE=secure?`;

describe('the environment: defaults', () => {
  it('secure mode with only alg and key', () => {
    const config = parseEnvironment(HS);
    expect(config.auth).toMatchObject({
      mode: 'secure',
      algorithms: ['HS256'],
      namespace: [],
      clockTolerance: 2,
      maxTokenBytes: 8192,
      issuer: undefined,
      audience: undefined,
    });
    expect(staticKeys(config.auth as SecureAuthConfig)).toHaveLength(1);
    expect(config.server).toMatchObject({ port: 3000, host: '0.0.0.0', nodeEnv: undefined, production: false });
    expect(config.ws).toMatchObject({ authTimeoutMs: 5000, expiryNoticeSeconds: 30 });
    expect(config.warnings).toEqual([]);
  });
  it('AUTH_MODE defaults to secure: an empty environment needs alg and key', () => {
    expect(errorsOf({})).toEqual(['AUTH_JWT_ALG not set', 'AUTH_JWT_KEY not set']);
  });
  it('insecure mode warns that it accepts unverified tokens', () => {
    const config = parseEnvironment({ AUTH_MODE: 'insecure' });
    expect(config.auth).toEqual({ mode: 'insecure', namespace: [], namespaceSetting: undefined, clockTolerance: 2, maxTokenBytes: 8192 });
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]).toMatch(/not.*verified/i);
    expect(config.warnings[0]).toMatch(/production/i);
  });
  it('reads PORT, HOST, WS settings and the namespace', () => {
    const config = parseEnvironment({
      AUTH_MODE: 'insecure',
      PORT: '8080',
      HOST: '127.0.0.1',
      WS_AUTH_TIMEOUT_MS: '100',
      WS_EXPIRY_NOTICE_SECONDS: '5',
      AUTH_JWT_NAMESPACE: '/app/claims',
    });
    expect(config.server).toMatchObject({ port: 8080, host: '127.0.0.1' });
    expect(config.ws).toMatchObject({ authTimeoutMs: 100, expiryNoticeSeconds: 5 });
    expect(config.auth.namespace).toEqual(['app', 'claims']);
  });
});

describe('the environment: startup errors of section 2, exactly worded', () => {
  it('an unknown AUTH_MODE', () => {
    expect(errorsOf({ ...HS, AUTH_MODE: 'foo' })).toEqual(['AUTH_MODE has invalid value: "foo". Must be one of ["secure", "insecure"]']);
    // Not also "AUTH_JWT_ALG not set": the user may have meant insecure.
    expect(errorsOf({ AUTH_MODE: 'insecur' })).toEqual(['AUTH_MODE has invalid value: "insecur". Must be one of ["secure", "insecure"]']);
  });
  it('secure mode without AUTH_JWT_ALG / AUTH_JWT_KEY', () => {
    expect(errorsOf({ AUTH_MODE: 'secure', AUTH_JWT_KEY: SECRET })).toEqual(['AUTH_JWT_ALG not set']);
    expect(errorsOf({ AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256' })).toEqual(['AUTH_JWT_KEY not set']);
  });
  it('an unknown algorithm lists the allowed ones', () => {
    const lines = errorsOf({ AUTH_JWT_ALG: 'X', AUTH_JWT_KEY: SECRET });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^AUTH_JWT_ALG has invalid value: "X"\. Must be one of \[.*\]$/);
    for (const alg of ALGORITHMS) expect(lines[0]).toContain(alg);
    expect(errorsOf({ AUTH_JWT_ALG: 'none', AUTH_JWT_KEY: SECRET })[0]).toMatch(/^AUTH_JWT_ALG has invalid value: "none"/);
    expect(errorsOf({ AUTH_JWT_ALG: 'hs256', AUTH_JWT_KEY: SECRET })[0]).toMatch(/^AUTH_JWT_ALG has invalid value: "hs256"/);
  });
  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ])('%s key shorter than %i bytes', (alg, min) => {
    expect(errorsOf({ AUTH_JWT_ALG: alg, AUTH_JWT_KEY: 'k'.repeat(min - 1) })).toEqual([
      `AUTH_JWT_KEY has to be at least ${min} bytes long for ${alg}`,
    ]);
    expect(parseEnvironment({ AUTH_JWT_ALG: alg, AUTH_JWT_KEY: 'k'.repeat(min) }).auth.mode).toBe('secure');
  });
  it('base64 keys: measured after decoding; invalid base64', () => {
    expect(errorsOf({ ...HS, AUTH_JWT_KEY: Buffer.alloc(31, 1).toString('base64'), AUTH_JWT_KEY_IS_BASE64_ENCODED: 'true' })).toEqual([
      'AUTH_JWT_KEY has to be at least 32 bytes long for HS256',
    ]);
    expect(
      parseEnvironment({ ...HS, AUTH_JWT_KEY: Buffer.alloc(32, 1).toString('base64url'), AUTH_JWT_KEY_IS_BASE64_ENCODED: 'true' }).auth
        .mode,
    ).toBe('secure');
    expect(errorsOf({ ...HS, AUTH_JWT_KEY: '%%% not base64 %%%', AUTH_JWT_KEY_IS_BASE64_ENCODED: 'true' })).toEqual([
      'AUTH_JWT_KEY has invalid base64 encoding',
    ]);
  });
  it('a PEM that does not fit the algorithm: the named line and a line on what was expected', () => {
    const lines = errorsOf({ AUTH_JWT_ALG: 'ES256', AUTH_JWT_KEY: generateRsa().publicPem });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('AUTH_JWT_KEY is not a valid key for AUTH_JWT_ALG=ES256');
    expect(lines[1]).toMatch(/AUTH_JWT_KEY .*EC.*P-256/);
    expect(errorsOf({ AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY: 'not a pem' })[0]).toBe(
      'AUTH_JWT_KEY is not a valid key for AUTH_JWT_ALG=RS256',
    );
  });
  it.each([
    ['AUTH_JWT_ALG', 'HS256'],
    ['AUTH_JWT_KEY', SECRET],
    ['AUTH_JWT_KEY_IS_BASE64_ENCODED', 'true'],
    ['AUTH_JWT_ISS', 'https://idp.example'],
    ['AUTH_JWT_AUD', 'gatehouse'],
  ])('insecure mode with %s set', (name, value) => {
    expect(errorsOf({ AUTH_MODE: 'insecure', [name]: value })).toEqual([insecureHint(name)]);
  });
  it('insecure mode with every secure-only option reports each of them', () => {
    const lines = errorsOf({
      AUTH_MODE: 'insecure',
      AUTH_JWT_ALG: 'HS256',
      AUTH_JWT_KEY: SECRET,
      AUTH_JWT_KEY_IS_BASE64_ENCODED: 'false',
      AUTH_JWT_ISS: 'i',
      AUTH_JWT_AUD: 'a',
    });
    expect(lines).toEqual(
      ['AUTH_JWT_ALG', 'AUTH_JWT_KEY', 'AUTH_JWT_KEY_IS_BASE64_ENCODED', 'AUTH_JWT_ISS', 'AUTH_JWT_AUD'].map(insecureHint),
    );
  });
  it('insecure mode under NODE_ENV=production refuses without the override, naming both variables', () => {
    const lines = errorsOf({ AUTH_MODE: 'insecure', NODE_ENV: 'production' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('AUTH_MODE');
    expect(lines[0]).toContain('AUTH_INSECURE_ALLOW_IN_PRODUCTION');
    expect(errorsOf({ AUTH_MODE: 'insecure', NODE_ENV: 'production', AUTH_INSECURE_ALLOW_IN_PRODUCTION: 'false' })).toHaveLength(1);
    expect(parseEnvironment({ AUTH_MODE: 'insecure', NODE_ENV: 'production', AUTH_INSECURE_ALLOW_IN_PRODUCTION: 'true' }).auth.mode).toBe(
      'insecure',
    );
    expect(parseEnvironment({ AUTH_MODE: 'insecure', NODE_ENV: 'development' }).auth.mode).toBe('insecure');
    expect(parseEnvironment({ ...HS, NODE_ENV: 'production' }).auth.mode).toBe('secure');
  });
  it('several errors at once are all reported, one per line, each naming its variable', () => {
    const lines = errorsOf({
      AUTH_MODE: 'insecure',
      NODE_ENV: 'production',
      AUTH_JWT_ISS: 'i',
      AUTH_JWT_CLOCK_TOLERANCE: '301',
      PORT: 'x',
    });
    expect(lines).toHaveLength(4);
    expect(lines).toContain(insecureHint('AUTH_JWT_ISS'));
    expect(lines.some((l) => l.startsWith('AUTH_JWT_CLOCK_TOLERANCE'))).toBe(true);
    expect(lines.some((l) => l.startsWith('PORT'))).toBe(true);
    expect(lines.some((l) => l.includes('AUTH_INSECURE_ALLOW_IN_PRODUCTION'))).toBe(true);
    const secureLines = errorsOf({ AUTH_JWT_ALG: 'X', AUTH_JWT_CLOCK_TOLERANCE: '-1' });
    expect(secureLines).toHaveLength(3);
    expect(secureLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AUTH_JWT_CLOCK_TOLERANCE /),
        expect.stringMatching(/^AUTH_JWT_ALG has invalid value: "X"/),
        'AUTH_JWT_KEY not set',
      ]),
    );
    for (const line of lines) expect(line).not.toContain('\n');
  });
});

describe('the environment: flags', () => {
  it('accept true/false in any case', () => {
    expect(
      parseEnvironment({ ...HS, AUTH_JWT_KEY: Buffer.from(SECRET).toString('base64'), AUTH_JWT_KEY_IS_BASE64_ENCODED: 'TRUE' }).auth.mode,
    ).toBe('secure');
  });
  it('an invalid AUTH_INSECURE_ALLOW_IN_PRODUCTION is reported even outside production', () => {
    expect(errorsOf({ AUTH_MODE: 'insecure', AUTH_INSECURE_ALLOW_IN_PRODUCTION: 'yes' })).toEqual([
      'AUTH_INSECURE_ALLOW_IN_PRODUCTION has invalid value: "yes". Must be one of ["true", "false"]',
    ]);
  });
});

describe('the environment: blank values count as unset', () => {
  it('blank AUTH_MODE is secure; blank alg/key are "not set"', () => {
    expect(errorsOf({ AUTH_MODE: '', AUTH_JWT_ALG: '  ', AUTH_JWT_KEY: '' })).toEqual(['AUTH_JWT_ALG not set', 'AUTH_JWT_KEY not set']);
  });
  it('blank secure-only options are fine in insecure mode', () => {
    expect(
      parseEnvironment({
        AUTH_MODE: 'insecure',
        AUTH_JWT_ALG: '',
        AUTH_JWT_KEY: ' ',
        AUTH_JWT_ISS: '',
        AUTH_JWT_AUD: '',
        AUTH_JWT_KEY_IS_BASE64_ENCODED: '',
      }).auth.mode,
    ).toBe('insecure');
  });
  it('blank tolerance, ISS, AUD, namespace take their defaults', () => {
    const config = parseEnvironment({ ...HS, AUTH_JWT_CLOCK_TOLERANCE: '', AUTH_JWT_ISS: ' ', AUTH_JWT_AUD: '', AUTH_JWT_NAMESPACE: '' });
    expect(config.auth).toMatchObject({ clockTolerance: 2, issuer: undefined, audience: undefined, namespace: [] });
  });
});

describe('the environment: AUTH_JWT_CLOCK_TOLERANCE', () => {
  it.each([
    ['0', 0],
    ['300', 300],
    ['2', 2],
    [' 7 ', 7],
  ])('%j → %i', (value, expected) => {
    expect(parseEnvironment({ ...HS, AUTH_JWT_CLOCK_TOLERANCE: value }).auth.clockTolerance).toBe(expected);
  });
  it.each(['301', '-1', '2.5', '1e2', 'abc', '0x10', '5s'])('%j is refused naming the variable', (value) => {
    const lines = errorsOf({ ...HS, AUTH_JWT_CLOCK_TOLERANCE: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^AUTH_JWT_CLOCK_TOLERANCE has invalid value: /);
    expect(lines[0]).toContain(JSON.stringify(value.trim()));
  });
});

describe('the environment: iss, aud, namespace', () => {
  it('keeps the configured iss and aud', () => {
    expect(parseEnvironment({ ...HS, AUTH_JWT_ISS: 'https://idp.example', AUTH_JWT_AUD: 'gh' }).auth).toMatchObject({
      issuer: 'https://idp.example',
      audience: 'gh',
    });
  });
  it('the namespace is valid in both modes', () => {
    expect(parseEnvironment({ ...HS, AUTH_JWT_NAMESPACE: 'https://electric-sql.com/jwt/claims' }).auth.namespace).toEqual([
      'https://electric-sql.com/jwt/claims',
    ]);
    expect(parseEnvironment({ AUTH_MODE: 'insecure', AUTH_JWT_NAMESPACE: '/a~1b' }).auth.namespace).toEqual(['a/b']);
  });
  it('a JSON pointer with a bad ~ escape is an error naming AUTH_JWT_NAMESPACE', () => {
    expect(errorsOf({ ...HS, AUTH_JWT_NAMESPACE: '/a~2' })[0]).toMatch(/^AUTH_JWT_NAMESPACE /);
  });
});

describe('configuration to verification, as a user sets it up', () => {
  const now = () => Math.floor(Date.now() / 1000);
  it('HS256 text secret: a token signed with the text verifies', async () => {
    const config = parseEnvironment(HS);
    const verifier = strategyOf(config.auth as SecureAuthConfig);
    const token = signedToken({ sub: 'alice', ...validFor() }, { alg: 'HS256', key: SECRET });
    expect(await verifier.verify(token)).toMatchObject({ sub: 'alice', authMode: 'secure' });
    const wrong = signedToken({ sub: 'alice', ...validFor() }, { alg: 'HS256', key: 'x'.repeat(32) });
    expect(await verifier.verify(wrong)).toMatchObject({ reason: 'signature_invalid' });
  });
  it('HS512 base64 secret (URL-safe, unpadded): a token signed with the decoded bytes verifies', async () => {
    const bytes = Buffer.alloc(64, 0xfb);
    const config = parseEnvironment({
      AUTH_JWT_ALG: 'HS512',
      AUTH_JWT_KEY: bytes.toString('base64url'),
      AUTH_JWT_KEY_IS_BASE64_ENCODED: 'true',
    });
    const verifier = strategyOf(config.auth as SecureAuthConfig);
    const token = signedToken({ sub: 'alice', ...validFor() }, { alg: 'HS512', key: bytes });
    expect(await verifier.verify(token)).toMatchObject({ sub: 'alice' });
  });
  it('ES256 one-line PEM with \\n escapes, iss and aud configured', async () => {
    const ec = generateEc('P-256');
    const config = parseEnvironment({
      AUTH_JWT_ALG: 'ES256',
      AUTH_JWT_KEY: ec.publicPem.trim().replace(/\n/g, '\\n'),
      AUTH_JWT_ISS: 'idp',
      AUTH_JWT_AUD: 'gh',
    });
    const verifier = strategyOf(config.auth as SecureAuthConfig);
    const sign = (extra: object) => signedToken({ sub: 'alice', ...extra, ...validFor() }, { alg: 'ES256', key: ec.privateKey });
    expect(await verifier.verify(sign({ iss: 'idp', aud: ['x', 'gh'] }))).toMatchObject({ sub: 'alice' });
    expect(await verifier.verify(sign({ iss: 'idp' }))).toMatchObject({ reason: 'claim_missing', message: 'Missing required "aud" claim' });
    expect(await verifier.verify(unsignedToken({ sub: 'alice', iss: 'idp', aud: 'gh', exp: now() + 60, iat: now() }))).toMatchObject({
      reason: 'alg_not_allowed',
    });
  });
  it('insecure mode: an unsigned token with the configured namespace', async () => {
    const config = parseEnvironment({
      AUTH_MODE: 'insecure',
      AUTH_JWT_NAMESPACE: 'https://electric-sql.com/jwt/claims',
      AUTH_JWT_CLOCK_TOLERANCE: '0',
    });
    const verifier = new InsecureJwtVerifier(config.auth as never);
    expect(await verifier.verify(unsignedToken({ 'https://electric-sql.com/jwt/claims': { sub: 'bob' } }))).toMatchObject({
      sub: 'bob',
      authMode: 'insecure',
      expiresAt: null,
    });
    expect(await verifier.verify(unsignedToken({ sub: 'bob', exp: now() - 1 }))).toMatchObject({ reason: 'token_expired' });
  });
});

describe('the environment: AUTH_JWT_KEY_FILE (section 8)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keyfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the file content is the key; an HS secret file's final newline is not part of the secret", async () => {
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    const config = parseEnvironment({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY_FILE: file });
    const verifier = strategyOf(config.auth as SecureAuthConfig);
    const token = signedToken({ sub: 'alice', ...validFor() }, { alg: 'HS256', key: SECRET });
    expect(await verifier.verify(token)).toMatchObject({ sub: 'alice' });
  });
  it('a PEM file works for an asymmetric algorithm', () => {
    const file = join(dir, 'pub.pem');
    writeFileSync(file, generateRsa().publicPem);
    expect(staticKeys(parseEnvironment({ AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY_FILE: file }).auth as SecureAuthConfig)).toHaveLength(1);
  });
  it('both AUTH_JWT_KEY and AUTH_JWT_KEY_FILE set, or an unreadable file, is an error naming the variable', () => {
    expect(errorsOf({ ...HS, AUTH_JWT_KEY_FILE: join(dir, 'secret') })[0]).toMatch(/AUTH_JWT_KEY_FILE/);
    expect(errorsOf({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY_FILE: join(dir, 'nope') })[0]).toMatch(/^AUTH_JWT_KEY_FILE /);
  });
  it('is refused in insecure mode', () => {
    expect(errorsOf({ AUTH_MODE: 'insecure', AUTH_JWT_KEY_FILE: join(dir, 'secret') })).toEqual([insecureHint('AUTH_JWT_KEY_FILE')]);
  });
});

describe('gatehouseOptionsFromEnv: the variables as module options', () => {
  it('turns set variables into options, leaving the unset ones out', () => {
    expect(
      gatehouseOptionsFromEnv({
        AUTH_MODE: ' insecure ',
        AUTH_JWT_NAMESPACE: '/app',
        AUTH_JWT_CLOCK_TOLERANCE: ' 7 ',
        AUTH_INSECURE_ALLOW_IN_PRODUCTION: 'TRUE',
        WS_AUTH_TIMEOUT_MS: '100',
        WS_MAX_SOCKETS_PER_SUB: '3',
        WS_MAX_BUFFERED_BYTES: '4096',
        WS_MAX_PENDING_FRAMES: '0',
        AUTH_FAIL_LIMIT: '0',
        TRUST_PROXY: 'loopback, 10.0.0.0/8',
        PORT: '1',
        LOG_LEVEL: 'debug',
      }),
    ).toEqual({
      mode: 'insecure',
      namespace: '/app',
      clockTolerance: 7,
      allowInProduction: true,
      ws: { authTimeoutMs: 100, maxSocketsPerSub: 3, maxBufferedBytes: 4096, maxPendingFrames: 0 },
      failureLimit: { limit: 0 },
      trustProxy: ['loopback', '10.0.0.0/8'],
    });
    expect(gatehouseOptionsFromEnv(HS)).toEqual({ mode: 'secure', algorithms: ['HS256'], key: SECRET });
  });
  it('throws the lines of section 2, naming variables, and ignores the server variables', () => {
    let thrown: unknown;
    try {
      gatehouseOptionsFromEnv({ AUTH_JWT_CLOCK_TOLERANCE: '301', PORT: 'x' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).lines).toEqual([
      'AUTH_JWT_CLOCK_TOLERANCE has invalid value: "301". Must be a whole number from 0 to 300',
      'AUTH_JWT_ALG not set',
      'AUTH_JWT_KEY not set',
    ]);
  });
  it('the new WebSocket limits: defaults, values, and ranges naming the variable', () => {
    expect(parseEnvironment(HS).ws).toEqual({
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
    });
    expect(parseEnvironment({ ...HS, WS_MAX_FRAMES_PER_SECOND: '10', WS_MAX_PENDING_PER_ADDRESS: '7' }).ws).toMatchObject({
      maxFramesPerSecond: 10,
      maxPendingPerAddress: 7,
    });
    expect(
      errorsOf({
        ...HS,
        WS_MAX_SOCKETS_PER_SUB: '0',
        WS_MAX_BUFFERED_BYTES: '1k',
        WS_MAX_PENDING_FRAMES: '1025',
        WS_MAX_FRAMES_PER_SECOND: '0',
        WS_MAX_PENDING_PER_ADDRESS: 'many',
      }),
    ).toEqual([
      'WS_MAX_SOCKETS_PER_SUB has invalid value: "0". Must be a whole number from 1 to 100000',
      'WS_MAX_BUFFERED_BYTES has invalid value: "1k". Must be a whole number from 1024 to 1073741824',
      'WS_MAX_PENDING_FRAMES has invalid value: "1025". Must be a whole number from 0 to 1024',
      'WS_MAX_FRAMES_PER_SECOND has invalid value: "0". Must be a whole number from 1 to 100000',
      'WS_MAX_PENDING_PER_ADDRESS has invalid value: "many". Must be a whole number from 1 to 1000000',
    ]);
  });
  it('AUTH_FAIL_LIMIT=0 turns the failure limit off', () => {
    expect(parseEnvironment({ ...HS, AUTH_FAIL_LIMIT: '0' }).failureLimit).toEqual({ limit: 0, windowSeconds: 60, maxAddresses: 10000 });
  });
  it.each(['production', 'prod', ' Production ', 'PROD'])('insecure mode refuses NODE_ENV=%j', (nodeEnv) => {
    const lines = errorsOf({ AUTH_MODE: 'insecure', NODE_ENV: nodeEnv });
    expect(lines).toEqual([
      `AUTH_MODE=insecure refuses to start with NODE_ENV=${nodeEnv.trim()}: it accepts unsigned tokens. Use AUTH_MODE=secure, or set AUTH_INSECURE_ALLOW_IN_PRODUCTION=true if you really mean it`,
    ]);
  });
  it.each(['production-like', 'preprod', 'staging'])('NODE_ENV=%j is not production', (nodeEnv) => {
    expect(parseEnvironment({ AUTH_MODE: 'insecure', NODE_ENV: nodeEnv }).auth.mode).toBe('insecure');
  });
});
