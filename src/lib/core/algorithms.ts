// The JWS algorithms Gatehouse verifies (docs/protocol.md §2) and what each needs.

export const ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;

export type Algorithm = (typeof ALGORITHMS)[number];

export type AlgorithmFamily = 'hmac' | 'rsa' | 'rsa-pss' | 'ecdsa' | 'eddsa';

export interface AlgorithmSpec {
  readonly family: AlgorithmFamily;
  /** node:crypto digest name; null for EdDSA, which hashes internally. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** HS*: the shortest secret accepted, in bytes (the hash's output size). */
  readonly minSecretBytes?: number;
  /** ES*: the curve the key must be on, as node:crypto names it. */
  readonly curve?: 'prime256v1' | 'secp384r1' | 'secp521r1';
}

export const ALGORITHM_SPECS: Readonly<Record<Algorithm, AlgorithmSpec>> = {
  HS256: { family: 'hmac', hash: 'sha256', minSecretBytes: 32 },
  HS384: { family: 'hmac', hash: 'sha384', minSecretBytes: 48 },
  HS512: { family: 'hmac', hash: 'sha512', minSecretBytes: 64 },
  RS256: { family: 'rsa', hash: 'sha256' },
  RS384: { family: 'rsa', hash: 'sha384' },
  RS512: { family: 'rsa', hash: 'sha512' },
  PS256: { family: 'rsa-pss', hash: 'sha256' },
  PS384: { family: 'rsa-pss', hash: 'sha384' },
  PS512: { family: 'rsa-pss', hash: 'sha512' },
  ES256: { family: 'ecdsa', hash: 'sha256', curve: 'prime256v1' },
  ES384: { family: 'ecdsa', hash: 'sha384', curve: 'secp384r1' },
  ES512: { family: 'ecdsa', hash: 'sha512', curve: 'secp521r1' },
  EdDSA: { family: 'eddsa', hash: null },
};

export function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHM_SPECS, value);
}

export function isSymmetric(alg: Algorithm): boolean {
  return ALGORITHM_SPECS[alg].family === 'hmac';
}

export const MIN_RSA_BITS = 2048;
