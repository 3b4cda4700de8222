import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { ALGORITHM_SPECS, type Algorithm } from './algorithms.js';

/**
 * Checks a JWS signature with node:crypto directly: KeyObjects are parsed once at
 * startup, so a verification costs microseconds. Never throws; any failure is `false`.
 */
export function verifySignature(alg: Algorithm, signingInput: string, signature: Buffer, key: KeyObject): boolean {
  const spec = ALGORITHM_SPECS[alg];
  try {
    switch (spec.family) {
      case 'hmac': {
        const expected = createHmac(spec.hash!, key).update(signingInput).digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
      case 'rsa':
        return verify(spec.hash, Buffer.from(signingInput), key, signature);
      case 'rsa-pss':
        // RFC 7518 3.5: the salt is as long as the hash output.
        return verify(
          spec.hash,
          Buffer.from(signingInput),
          {
            key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          },
          signature,
        );
      case 'ecdsa':
        // JWS carries ECDSA signatures as raw r||s, not DER.
        return verify(spec.hash, Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'eddsa':
        return verify(null, Buffer.from(signingInput), key, signature);
    }
  } catch {
    // A key of the wrong type or a signature of the wrong length: not verified.
    return false;
  }
}
