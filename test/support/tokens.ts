import { constants, createHmac, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { ALGORITHM_SPECS, type Algorithm } from '../../src/lib/core/algorithms.js';

// The one place tests get tokens from: unsigned, signed (every algorithm Gatehouse
// verifies, with node:crypto), or deliberately malformed. The proof that tokens from
// independent libraries (jsonwebtoken, jose) verify lives in src/lib/core/interop.spec.ts.

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`), with or without its trailing dot. */
export function unsignedToken(payload: unknown, { trailingDot = true } = {}): string {
  const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}`;
  return trailingDot ? `${token}.` : token;
}

/** A token with arbitrary header and payload segments and a made-up signature. */
export function rawToken(header: unknown, payload: unknown, signature = 'c2ln'): string {
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

export const now = () => Math.floor(Date.now() / 1000);

export interface TestKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicPem: string;
  readonly privatePem: string;
}

function pair(keys: { privateKey: KeyObject; publicKey: KeyObject }): TestKeyPair {
  return {
    ...keys,
    publicPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export const generateRsa = (bits = 2048) => pair(generateKeyPairSync('rsa', { modulusLength: bits }));
export const generateEc = (namedCurve: 'P-256' | 'P-384' | 'P-521') => pair(generateKeyPairSync('ec', { namedCurve }));
export const generateEd25519 = () => pair(generateKeyPairSync('ed25519'));

/** A base64url segment of arbitrary text (not necessarily JSON). */
export const segment = (text: string) => Buffer.from(text).toString('base64url');

/** A token made of raw header/payload texts, for malformed-payload cases. */
export function tokenOfTexts(headerText: string, payloadText: string, signature = 'c2ln'): string {
  return `${segment(headerText)}.${segment(payloadText)}.${signature}`;
}

/** What signs a token: a private key, or an HMAC secret (KeyObject, text as UTF-8, or bytes). */
export type SigningKey = KeyObject | string | Uint8Array;

export interface SignedTokenOptions {
  readonly alg: Algorithm;
  readonly key: SigningKey;
  /** The header's kid, when given. */
  readonly kid?: string;
  /** More header fields (e.g. crit), written after alg/typ/kid; `undefined` drops a field. */
  readonly header?: Record<string, unknown>;
}

/** `iat` now and `exp` after `seconds`: what a token from a login looks like. */
export function validFor(seconds = 3600): { iat: number; exp: number } {
  const iat = now();
  return { iat, exp: iat + seconds };
}

/**
 * A token signed with `key` as `alg` prescribes (header `{alg, typ: "JWT", kid?}`), with
 * the payload exactly as given: no iat or exp is added (see validFor).
 */
export function signedToken(payload: unknown, options: SignedTokenOptions): string {
  const { alg, kid, header } = options;
  const fullHeader = { alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }), ...header };
  return signedTokenOfTexts(JSON.stringify(fullHeader), JSON.stringify(payload), options);
}

/** A token of raw header/payload texts (not necessarily JSON), signed as `alg` prescribes. */
export function signedTokenOfTexts(headerText: string, payloadText: string, { alg, key }: SignedTokenOptions): string {
  const input = `${segment(headerText)}.${segment(payloadText)}`;
  return `${input}.${signatureOf(input, { alg, key })}`;
}

/** The base64url JWS signature of a signing input (`header.payload`). */
export function signatureOf(signingInput: string, { alg, key }: Pick<SignedTokenOptions, 'alg' | 'key'>): string {
  const spec = ALGORITHM_SPECS[alg];
  const data = Buffer.from(signingInput);
  const privateKey = () => (key instanceof Uint8Array || typeof key === 'string' ? createPrivateKey(Buffer.from(key)) : key);
  switch (spec.family) {
    case 'hmac':
      return createHmac(spec.hash!, key).update(data).digest('base64url');
    case 'rsa':
      return sign(spec.hash, data, privateKey()).toString('base64url');
    case 'rsa-pss':
      return sign(spec.hash, data, {
        key: privateKey(),
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }).toString('base64url');
    case 'ecdsa':
      return sign(spec.hash, data, { key: privateKey(), dsaEncoding: 'ieee-p1363' }).toString('base64url');
    case 'eddsa':
      return sign(null, data, privateKey()).toString('base64url');
  }
}

/** The token with another payload and its header and signature kept: a forgery. */
export function withPayload(token: string, payload: unknown): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64(payload)}.${signature}`;
}

/** The payload of a token, decoded (not verified). */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}
