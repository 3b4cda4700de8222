import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigurationError } from './configuration-error.js';
import { gatehouseSettingsFromEnv, type Environment } from './options-from-env.js';
import { KEY_SET_ALGORITHMS } from './resolve-keys.js';
import type { SecureAuthConfig } from './settings.js';

const parseEnvironment = (env: Environment) => gatehouseSettingsFromEnv(env).settings;

function errorsOf(env: Environment): readonly string[] {
  try {
    parseEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.lines;
    throw error;
  }
  return [];
}

const secure = (env: Environment) => parseEnvironment(env).auth as SecureAuthConfig;
const URL = 'https://idp.example.com/.well-known/jwks.json';
const rsaPem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('AUTH_JWT_JWKS_URL', () => {
  it('makes AUTH_JWT_ALG optional: every asymmetric algorithm by default', () => {
    const auth = secure({ AUTH_JWT_JWKS_URL: URL });
    expect(auth.keySource).toEqual({ kind: 'jwks', url: URL });
    expect(auth.algorithms).toEqual(KEY_SET_ALGORITHMS);
    expect(auth.algorithms).not.toContain('HS256');
    expect(auth.algorithms).toHaveLength(10);
  });

  it('reads AUTH_JWT_ALG as a comma-separated list', () => {
    expect(secure({ AUTH_JWT_JWKS_URL: URL, AUTH_JWT_ALG: 'RS256, ES256,,EdDSA,RS256' }).algorithms).toEqual(['RS256', 'ES256', 'EdDSA']);
    expect(secure({ AUTH_JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks', AUTH_JWT_ALG: 'PS512' }).algorithms).toEqual(['PS512']);
  });

  it('refuses HS* and unknown algorithms in the list, naming AUTH_JWT_ALG', () => {
    const errors = errorsOf({ AUTH_JWT_JWKS_URL: URL, AUTH_JWT_ALG: 'RS256,HS256,XX1' });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^AUTH_JWT_ALG has invalid value: "HS256"\. HS\* keys are never taken from AUTH_JWT_JWKS_URL/);
    expect(errors[1]).toMatch(/^AUTH_JWT_ALG has invalid value: "XX1"\. Must be one of \["RS256", /);
    expect(errors[1]).not.toContain('HS256');
  });

  it.each(['ftp://idp.example.com/jwks', 'idp.example.com/jwks', 'file:///etc/jwks.json', 'https://', 'not a url'])(
    'refuses %s: only http(s) URLs',
    (url) => {
      expect(errorsOf({ AUTH_JWT_JWKS_URL: url })).toEqual([
        `AUTH_JWT_JWKS_URL has invalid value: ${JSON.stringify(url)}. Must be an http:// or https:// URL`,
      ]);
    },
  );

  it('cannot be combined with AUTH_JWT_KEY or AUTH_JWT_KEY_FILE', () => {
    expect(errorsOf({ AUTH_JWT_JWKS_URL: URL, AUTH_JWT_KEY: rsaPem() })).toEqual([
      'AUTH_JWT_JWKS_URL and AUTH_JWT_KEY are both set: use one of them',
    ]);
    expect(errorsOf({ AUTH_JWT_JWKS_URL: URL, AUTH_JWT_KEY_FILE: '/run/secrets/key.pem' })).toEqual([
      'AUTH_JWT_JWKS_URL and AUTH_JWT_KEY_FILE are both set: use one of them',
    ]);
  });

  it('refuses AUTH_JWT_KEY_IS_BASE64_ENCODED with a key set', () => {
    expect(errorsOf({ AUTH_JWT_JWKS_URL: URL, AUTH_JWT_KEY_IS_BASE64_ENCODED: 'true' })).toEqual([
      'AUTH_JWT_KEY_IS_BASE64_ENCODED applies only to an HS* AUTH_JWT_KEY, not to AUTH_JWT_JWKS_URL',
    ]);
  });

  it('reports every problem at once', () => {
    expect(
      errorsOf({ AUTH_JWT_JWKS_URL: 'ftp://x', AUTH_JWT_KEY: 'k', AUTH_JWT_ALG: 'HS512', AUTH_JWT_CLOCK_TOLERANCE: 'x' }),
    ).toHaveLength(4);
  });

  it('is refused in insecure mode like the other secure-only options', () => {
    expect(errorsOf({ AUTH_MODE: 'insecure', AUTH_JWT_JWKS_URL: URL })).toEqual([
      'AUTH_JWT_JWKS_URL is not valid in Insecure auth mode. Did you forget to set AUTH_MODE=secure?',
    ]);
  });

  it('counts a blank value as unset', () => {
    expect(errorsOf({ AUTH_JWT_JWKS_URL: '  ' })).toEqual(['AUTH_JWT_ALG not set', 'AUTH_JWT_KEY not set']);
  });

  it('keeps AUTH_JWT_ALG a single algorithm without a key set', () => {
    expect(errorsOf({ AUTH_JWT_ALG: 'RS256,ES256', AUTH_JWT_KEY: rsaPem() })[0]).toMatch(
      /^AUTH_JWT_ALG has invalid value: "RS256,ES256"\. Must be one of \[/,
    );
  });
});

describe('AUTH_JWT_KEY_FILE', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a PEM public key from the file', () => {
    const path = join(dir, 'public.pem');
    writeFileSync(path, rsaPem());
    const auth = secure({ AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY_FILE: path });
    expect(auth.keySource.kind).toBe('static');
    expect(auth.keySource.kind === 'static' && auth.keySource.keys[0].asymmetricKeyType).toBe('rsa');
  });

  it('reads an HS* secret without the trailing newline of the file', () => {
    const secret = 'x'.repeat(32);
    const path = join(dir, 'secret');
    writeFileSync(path, `${secret}\n`);
    const auth = secure({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY_FILE: path });
    expect(auth.keySource.kind === 'static' && auth.keySource.keys[0].export().toString()).toBe(secret);
    // 31 characters plus a newline is still too short.
    writeFileSync(path, `${'x'.repeat(31)}\n`);
    expect(errorsOf({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY_FILE: path })).toEqual([
      'AUTH_JWT_KEY_FILE has to be at least 32 bytes long for HS256',
    ]);
  });

  it('refuses to be set together with AUTH_JWT_KEY', () => {
    expect(errorsOf({ AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: 'x'.repeat(32), AUTH_JWT_KEY_FILE: join(dir, 'secret') })).toEqual([
      'AUTH_JWT_KEY_FILE and AUTH_JWT_KEY are both set: use one of them',
    ]);
  });

  it('names the file when it is missing or empty', () => {
    const missing = join(dir, 'nope.pem');
    expect(errorsOf({ AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY_FILE: missing })).toEqual([
      `AUTH_JWT_KEY_FILE cannot be read: ${JSON.stringify(missing)} (ENOENT)`,
    ]);
    const empty = join(dir, 'empty.pem');
    writeFileSync(empty, '\n');
    expect(errorsOf({ AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY_FILE: empty })).toEqual([`AUTH_JWT_KEY_FILE is empty: ${JSON.stringify(empty)}`]);
  });

  it('reports a key that does not fit AUTH_JWT_ALG under its own name', () => {
    const path = join(dir, 'rsa.pem');
    writeFileSync(path, rsaPem());
    expect(errorsOf({ AUTH_JWT_ALG: 'ES256', AUTH_JWT_KEY_FILE: path })).toEqual([
      'AUTH_JWT_KEY_FILE is not a valid key for AUTH_JWT_ALG=ES256',
      'AUTH_JWT_KEY_FILE expected an EC public key on curve P-256 (prime256v1), got an RSA key of 2048 bits',
    ]);
  });

  it('is refused in insecure mode', () => {
    expect(errorsOf({ AUTH_MODE: 'insecure', AUTH_JWT_KEY_FILE: '/x' })).toEqual([
      'AUTH_JWT_KEY_FILE is not valid in Insecure auth mode. Did you forget to set AUTH_MODE=secure?',
    ]);
  });
});
