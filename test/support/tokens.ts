import { generateKeyPairSync, type KeyObject } from 'node:crypto';

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
export const generateEc = (namedCurve: 'P-256' | 'P-384' | 'P-521') =>
  pair(generateKeyPairSync('ec', { namedCurve }));
export const generateEd25519 = () => pair(generateKeyPairSync('ed25519'));

/** A base64url segment of arbitrary text (not necessarily JSON). */
export const segment = (text: string) => Buffer.from(text).toString('base64url');

/** A token made of raw header/payload texts, for malformed-payload cases. */
export function tokenOfTexts(headerText: string, payloadText: string, signature = 'c2ln'): string {
  return `${segment(headerText)}.${segment(payloadText)}.${signature}`;
}
