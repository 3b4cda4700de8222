import { generateKeyPairSync } from 'node:crypto';
import { SecureJwtVerifier } from '../verify/secure-jwt-verifier.js';
import { StaticKeySource } from './static-key-source.js';
import { gatehouseSettingsFromEnv } from '../options/options-from-env.js';
import type { SecureAuthConfig } from '../options/settings.js';
import { loadPublicKeys, unescapePem } from './key-material.js';
import { signedToken, validFor } from '../../../test/support/tokens.js';

const rsa = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
};

/** The strategy exactly as secure mode builds it from AUTH_JWT_KEY. */
function strategyFor(env: Record<string, string>): SecureJwtVerifier {
  const auth = gatehouseSettingsFromEnv(env).settings.auth as SecureAuthConfig;
  if (auth.keySource.kind !== 'static') throw new Error('expected static keys');
  return new SecureJwtVerifier(auth, new StaticKeySource(auth.keySource.keys));
}

describe('several PEM blocks in AUTH_JWT_KEY (key rotation)', () => {
  const current = rsa();
  const next = rsa();
  const stranger = rsa();
  const sign = (key: ReturnType<typeof rsa>, kid?: string) =>
    signedToken({ sub: 'alice', ...validFor() }, { alg: 'RS256', key: key.privateKey, kid });

  it('loads each block', () => {
    const material = loadPublicKeys('RS256', `${current.publicPem}\n${next.publicPem}`);
    expect(material.errors).toEqual([]);
    expect(material.keys).toHaveLength(2);
  });

  it('accepts a token signed by either key and refuses a third, whatever its kid', async () => {
    const strategy = strategyFor({ AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY: current.publicPem + next.publicPem });
    expect(await strategy.verify(sign(current))).toMatchObject({ sub: 'alice' });
    expect(await strategy.verify(sign(next, 'any-kid'))).toMatchObject({ sub: 'alice' });
    expect(await strategy.verify(sign(stranger))).toMatchObject({ reason: 'signature_invalid' });
    expect(await strategy.verify(sign(stranger, 'kid'))).toMatchObject({ reason: 'signature_invalid' });
  });

  it('reads blocks from one line with \\n escapes, as a .env holds them', async () => {
    const oneLine = (current.publicPem + next.publicPem).replace(/\n/g, '\\n');
    const strategy = strategyFor({ AUTH_JWT_ALG: 'RS256', AUTH_JWT_KEY: oneLine });
    expect(await strategy.verify(sign(next))).toMatchObject({ sub: 'alice' });
  });

  it('names the block that does not fit', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const material = loadPublicKeys('RS256', current.publicPem + ec);
    expect(material.errors).toEqual([
      'AUTH_JWT_KEY is not a valid key for AUTH_JWT_ALG=RS256 (PEM block 2 of 2)',
      'AUTH_JWT_KEY expected an RSA public key of at least 2048 bits, got an EC key on curve P-256 (prime256v1)',
    ]);
  });
});

describe('unescapePem', () => {
  it('turns \\n and \\r\\n escapes of a one-line value into newlines', () => {
    expect(unescapePem('-----BEGIN X-----\\nAAA\\r\\nBBB\\n-----END X-----')).toBe('-----BEGIN X-----\nAAA\nBBB\n-----END X-----');
    expect(unescapePem('a\nb\\nc')).toBe('a\nb\\nc'); // already multi-line: left alone
  });
});
