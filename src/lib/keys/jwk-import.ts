import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import { keyMismatch } from './key-material.js';
import { isJsonObject } from '../core/token-rules.js';

// Turns a fetched JSON Web Key Set into verification keys. node:crypto parses each JWK
// (no hand-written JWK code); keyMismatch, the same check AUTH_JWT_KEY gets, decides
// which algorithms each key may verify.

export interface KeySetEntry {
  readonly kid: string | undefined;
  /** The allowed algorithms this key fits (only its own `alg`, when it has one). */
  readonly algorithms: readonly Algorithm[];
  readonly key: KeyObject;
}

export interface ImportedKeySet {
  readonly entries: readonly KeySetEntry[];
  /** One line per key that was left out, and why. */
  readonly ignored: readonly string[];
}

/** Throws when the body is not a key set at all; skips (and explains) unusable keys. */
export function importKeySet(body: unknown, allowed: readonly Algorithm[]): ImportedKeySet {
  if (!isJsonObject(body) || !Array.isArray(body.keys)) {
    throw new Error('answered JSON that is not a JSON Web Key Set (no "keys" array)');
  }
  const entries: KeySetEntry[] = [];
  const ignored: string[] = [];
  body.keys.forEach((jwk: unknown, index) => {
    const result = importKey(jwk, allowed);
    const name = isJsonObject(jwk) && typeof jwk.kid === 'string' ? `kid ${JSON.stringify(jwk.kid)}` : `key #${index + 1}`;
    if (typeof result === 'string') ignored.push(`${name} ignored: ${result}`);
    else entries.push(result);
  });
  return { entries, ignored };
}

/** A usable entry, or why the key is not used. */
export function importKey(jwk: unknown, allowed: readonly Algorithm[]): KeySetEntry | string {
  if (!isJsonObject(jwk)) return 'not a JSON object';
  // Encryption keys are never signature keys, whatever else fits (RFC 7517 4.2, 4.3).
  if (jwk.use !== undefined && jwk.use !== 'sig') return `its "use" is ${JSON.stringify(jwk.use)}, not "sig"`;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) {
    return `its "key_ops" ${JSON.stringify(jwk.key_ops)} do not include "verify"`;
  }
  if (jwk.kty === 'oct') return 'a shared secret (kty "oct"); HS* keys are never taken from a key set';
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return `its "kid" is not a string`;
  if (jwk.alg !== undefined && !allowed.includes(jwk.alg as Algorithm)) {
    return `its "alg" ${JSON.stringify(jwk.alg)} is not among the allowed [${allowed.join(', ')}]`;
  }
  let key: KeyObject;
  try {
    // For a private JWK node derives the public key; only the public part is kept.
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (error) {
    return `not a valid ${typeof jwk.kty === 'string' ? jwk.kty : 'JWK'} key (${(error as Error).message})`;
  }
  const candidates = jwk.alg !== undefined ? [jwk.alg as Algorithm] : allowed;
  const algorithms = candidates.filter((alg) => keyMismatch(alg, key) === null);
  if (algorithms.length === 0) {
    const why = candidates.length === 1 ? `: ${keyMismatch(candidates[0], key)}` : '';
    return `fits none of the allowed algorithms [${candidates.join(', ')}]${why}`;
  }
  return { kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, algorithms, key };
}
