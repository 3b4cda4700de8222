import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { decodeBase64, loadPublicKeys, loadSecretKey, unescapePem } from './key-material.js';
import { generateEc, generateEd25519, generateRsa } from '../../../test/support/tokens.js';

const rsa = generateRsa(2048);
const p256 = generateEc('P-256');
const p384 = generateEc('P-384');
const ed = generateEd25519();

describe('decodeBase64', () => {
  const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x00, 0x01]); // has + / (standard) and - _ (URL-safe) forms
  it.each([
    ['standard, padded', bytes.toString('base64')],
    ['standard, unpadded', bytes.toString('base64').replace(/=+$/, '')],
    ['URL-safe, unpadded', bytes.toString('base64url')],
    ['URL-safe, padded', bytes.toString('base64url') + '='],
  ])('%s', (_n, text) => {
    expect(decodeBase64(text)).toEqual(bytes);
  });
  it.each([['not base64!'], ['abcde'], ['ab=c'], ['abcd=='], ['ab==='], ['é']])('%j → null', (text) => {
    expect(decodeBase64(text)).toBeNull();
  });
});

describe('loadSecretKey', () => {
  it('refuses a PEM key as an HS* secret: anyone holding the public key could sign', () => {
    const pem = generateRsa().publicPem;
    const result = loadSecretKey('HS256', pem, false);
    expect(result.keys).toEqual([]);
    expect(result.errors).toEqual([expect.stringMatching(/^AUTH_JWT_KEY holds a PEM key, but AUTH_JWT_ALG=HS256 needs a shared secret/)]);
  });

  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const)('%s: %i bytes as text is enough, one less is refused', (alg, min) => {
    expect(loadSecretKey(alg, 'k'.repeat(min), false)).toMatchObject({ errors: [] });
    expect(loadSecretKey(alg, 'k'.repeat(min), false).keys).toHaveLength(1);
    expect(loadSecretKey(alg, 'k'.repeat(min - 1), false)).toEqual({
      keys: [],
      errors: [`AUTH_JWT_KEY has to be at least ${min} bytes long for ${alg}`],
      warnings: [],
    });
  });
  it('measures base64 keys after decoding (31 bytes encode to 44 characters and still fail HS256)', () => {
    const b31 = Buffer.alloc(31, 7).toString('base64');
    expect(b31.length).toBeGreaterThan(32);
    expect(loadSecretKey('HS256', b31, true).errors).toEqual(['AUTH_JWT_KEY has to be at least 32 bytes long for HS256']);
    const b32 = Buffer.alloc(32, 7);
    const key = loadSecretKey('HS256', b32.toString('base64url'), true);
    expect(key.errors).toEqual([]);
    expect(key.keys[0].export()).toEqual(b32);
  });
  it('without the base64 flag, a base64-looking key is the text itself', () => {
    const text = Buffer.alloc(32, 7).toString('base64');
    expect(loadSecretKey('HS256', text, false).keys[0].export()).toEqual(Buffer.from(text));
  });
  it('invalid base64 → AUTH_JWT_KEY has invalid base64 encoding', () => {
    expect(loadSecretKey('HS256', 'this is *not* base64 at all, not at all!!', true).errors).toEqual([
      'AUTH_JWT_KEY has invalid base64 encoding',
    ]);
  });
});

describe('loadPublicKeys', () => {
  const invalid = (alg: string) => `AUTH_JWT_KEY is not a valid key for AUTH_JWT_ALG=${alg}`;

  it('SPKI PEM for RS256, PS256, ES256, ES384, EdDSA', () => {
    expect(loadPublicKeys('RS256', rsa.publicPem)).toMatchObject({ errors: [], warnings: [] });
    expect(loadPublicKeys('PS512', rsa.publicPem).errors).toEqual([]);
    expect(loadPublicKeys('ES256', p256.publicPem).errors).toEqual([]);
    expect(loadPublicKeys('ES384', p384.publicPem).errors).toEqual([]);
    expect(loadPublicKeys('EdDSA', ed.publicPem).errors).toEqual([]);
    expect(loadPublicKeys('RS256', rsa.publicPem).keys[0].export({ type: 'spki', format: 'pem' })).toBe(rsa.publicPem);
  });

  it('PKCS#1 (-----BEGIN RSA PUBLIC KEY-----)', () => {
    const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('-----BEGIN RSA PUBLIC KEY-----');
    const loaded = loadPublicKeys('RS256', pkcs1);
    expect(loaded.errors).toEqual([]);
    expect(loaded.keys[0].export({ type: 'spki', format: 'pem' })).toBe(rsa.publicPem);
  });

  it('a one-line value with literal \\n escapes is read as a multi-line PEM', () => {
    const oneLine = rsa.publicPem.trim().replace(/\n/g, '\\n');
    expect(oneLine).not.toContain('\n');
    expect(loadPublicKeys('RS256', oneLine)).toMatchObject({ errors: [] });
    expect(loadPublicKeys('RS256', oneLine).keys).toHaveLength(1);
    expect(loadPublicKeys('RS256', rsa.publicPem.replace(/\n/g, '\\r\\n')).keys).toHaveLength(1);
  });

  let openssl = true;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    openssl = false; // no openssl CLI: the certificate test is skipped
  }
  it.skipIf(!openssl)('an X.509 certificate (self-signed with the openssl CLI) gives its public key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cert-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-subj',
          '/CN=gatehouse-test',
          '-days',
          '1',
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const privateKey = createPrivateKey(readFileSync(join(dir, 'key.pem')));
      const loaded = loadPublicKeys('ES256', cert);
      expect(loaded.errors).toEqual([]);
      const signature = sign('sha256', Buffer.from('x'), privateKey);
      expect(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })).toEqual(
        loaded.keys[0].export({ type: 'spki', format: 'der' }),
      );
      expect(signature.length).toBeGreaterThan(0);
      expect(loadPublicKeys('RS256', cert).errors[0]).toBe(invalid('RS256'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('wrong key type → the two error lines', () => {
    const { errors, keys } = loadPublicKeys('RS256', p256.publicPem);
    expect(keys).toEqual([]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(invalid('RS256'));
    expect(errors[1]).toMatch(/^AUTH_JWT_KEY .*RSA/);
    expect(loadPublicKeys('EdDSA', rsa.publicPem).errors[0]).toBe(invalid('EdDSA'));
    expect(loadPublicKeys('ES256', ed.publicPem).errors[0]).toBe(invalid('ES256'));
  });

  it('wrong EC curve → the two error lines, naming the expected curve', () => {
    const { errors } = loadPublicKeys('ES256', p384.publicPem);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(invalid('ES256'));
    expect(errors[1]).toContain('P-256');
  });

  it('RSA 1024 bits → the two error lines, naming 2048', () => {
    const small = generateRsa(1024);
    const { errors, keys } = loadPublicKeys('RS256', small.publicPem);
    expect(keys).toEqual([]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(invalid('RS256'));
    expect(errors[1]).toContain('2048');
    expect(loadPublicKeys('PS256', small.publicPem).errors[0]).toBe(invalid('PS256'));
  });

  it.each([
    ['garbage inside a PEM block', '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----'],
    ['no PEM at all', 'just some secret text'],
    ['a truncated PEM', rsa.publicPem.slice(0, 100)],
  ])('unparseable (%s) → the two error lines', (_n, text) => {
    const { errors, keys } = loadPublicKeys('RS256', text);
    expect(keys).toEqual([]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBe(invalid('RS256'));
    expect(errors[1]).toMatch(/^AUTH_JWT_KEY /);
  });

  it('a private key is accepted with a warning (its public half is used)', () => {
    const loaded = loadPublicKeys('RS256', rsa.privatePem);
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.keys[0].type).toBe('public');
  });

  it('several PEM blocks: each is loaded (rotation)', () => {
    const other = generateRsa(2048);
    expect(loadPublicKeys('RS256', `${rsa.publicPem}\n${other.publicPem}`).keys).toHaveLength(2);
  });
});

describe('unescapePem', () => {
  it('turns literal \\n and \\r\\n escapes into newlines, leaves real multi-line values alone', () => {
    expect(unescapePem('a\\nb\\nc')).toBe('a\nb\nc');
    expect(unescapePem('a\\r\\nb')).toBe('a\nb');
    expect(unescapePem('a\nb\\nc')).toBe('a\nb\\nc');
  });
});
