import { constants, createHmac, sign, type KeyObject } from 'node:crypto';
import { ALGORITHM_SPECS, type Algorithm } from '../lib/core/algorithms.js';

// Minting tokens for development (the token CLI). Verification never uses this file.

const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token, `alg: none`, with its trailing dot, as Electric's docs make them. */
export function unsignedToken(payload: object): string {
  return `${segment({ alg: 'none', typ: 'JWT' })}.${segment(payload)}.`;
}

export function signedToken(payload: object, alg: Algorithm, key: KeyObject, kid?: string): string {
  const input = `${segment({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })}.${segment(payload)}`;
  const spec = ALGORITHM_SPECS[alg];
  const data = Buffer.from(input);
  let signature: Buffer;
  switch (spec.family) {
    case 'hmac':
      signature = createHmac(spec.hash!, key).update(input).digest();
      break;
    case 'rsa':
      signature = sign(spec.hash, data, key);
      break;
    case 'rsa-pss':
      signature = sign(spec.hash, data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
      break;
    case 'ecdsa':
      signature = sign(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' });
      break;
    case 'eddsa':
      signature = sign(null, data, key);
      break;
  }
  return `${input}.${signature.toString('base64url')}`;
}
