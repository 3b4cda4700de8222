import { X509Certificate, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { ALGORITHM_SPECS, MIN_RSA_BITS, type Algorithm } from '../core/algorithms.js';

// Turns AUTH_JWT_KEY into KeyObjects once, at startup, and says exactly what is
// wrong with it when it does not fit AUTH_JWT_ALG.

export interface KeyMaterial {
  readonly keys: KeyObject[];
  readonly errors: string[];
  readonly warnings: string[];
}

const BASE64 = /^([A-Za-z0-9+/_-]*)(={0,2})$/;

/** Standard or URL-safe alphabet, padding optional; null when it is not base64. */
export function decodeBase64(value: string): Buffer | null {
  const match = BASE64.exec(value.replace(/\s+/g, ''));
  if (!match) return null;
  const [, body, padding] = match;
  if (body.length % 4 === 1) return null;
  if (padding && (body.length + padding.length) % 4 !== 0) return null;
  return Buffer.from(body.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
}

export function loadSecretKey(alg: Algorithm, raw: string, isBase64: boolean, source = 'AUTH_JWT_KEY'): KeyMaterial {
  if (raw.includes('-----BEGIN ')) {
    // A public key used as an HMAC secret lets anyone who has the public key sign tokens.
    return {
      keys: [],
      errors: [
        `${source} holds a PEM key, but AUTH_JWT_ALG=${alg} needs a shared secret; for a public key, set AUTH_JWT_ALG to the key's algorithm (RS256, ES256, ...)`,
      ],
      warnings: [],
    };
  }
  const bytes = isBase64 ? decodeBase64(raw) : Buffer.from(raw, 'utf8');
  if (bytes === null) {
    return { keys: [], errors: [`${source} has invalid base64 encoding`], warnings: [] };
  }
  const min = ALGORITHM_SPECS[alg].minSecretBytes!;
  if (bytes.length < min) {
    return {
      keys: [],
      errors: [`${source} has to be at least ${min} bytes long for ${alg}`],
      warnings: [],
    };
  }
  return { keys: [createSecretKey(bytes)], errors: [], warnings: [] };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** A .env value often holds a PEM on one line with literal `\n` escapes. */
export function unescapePem(raw: string): string {
  // `\n` or `\r\n` escapes; the `\r` part is optional as a whole, not its letter alone.
  return raw.includes('\n') ? raw : raw.replace(/(?:\\r)?\\n/g, '\n');
}

export function expectedKeyDescription(alg: Algorithm): string {
  const spec = ALGORITHM_SPECS[alg];
  switch (spec.family) {
    case 'rsa':
      return `an RSA public key of at least ${MIN_RSA_BITS} bits`;
    case 'rsa-pss':
      return `an RSA (or RSA-PSS) public key of at least ${MIN_RSA_BITS} bits`;
    case 'ecdsa':
      return `an EC public key on curve ${curveName(spec.curve!)}`;
    case 'eddsa':
      return 'an Ed25519 or Ed448 public key';
    case 'hmac':
      return 'a shared secret';
  }
}

function curveName(curve: string): string {
  const names: Record<string, string> = {
    prime256v1: 'P-256',
    secp384r1: 'P-384',
    secp521r1: 'P-521',
  };
  return names[curve] ? `${names[curve]} (${curve})` : curve;
}

export function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'secret';
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    return `an ${type.toUpperCase()} key of ${details.modulusLength} bits`;
  }
  if (type === 'ec') return `an EC key on curve ${curveName(String(details.namedCurve))}`;
  return `an ${type} key`;
}

/** Why `key` cannot verify `alg`, or null when it can. */
export function keyMismatch(alg: Algorithm, key: KeyObject): string | null {
  const spec = ALGORITHM_SPECS[alg];
  const type = key.asymmetricKeyType;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  let fits: boolean;
  switch (spec.family) {
    case 'rsa':
      fits = type === 'rsa' && bits >= MIN_RSA_BITS;
      break;
    case 'rsa-pss':
      fits = (type === 'rsa' || type === 'rsa-pss') && bits >= MIN_RSA_BITS;
      break;
    case 'ecdsa':
      fits = type === 'ec' && key.asymmetricKeyDetails?.namedCurve === spec.curve;
      break;
    case 'eddsa':
      fits = type === 'ed25519' || type === 'ed448';
      break;
    case 'hmac':
      fits = key.type === 'secret';
      break;
  }
  return fits ? null : `expected ${expectedKeyDescription(alg)}, got ${describeKey(key)}`;
}

/**
 * One or more PEM blocks (SPKI, PKCS#1, X.509 certificate), each checked against
 * `alg`. Several blocks allow a key rotation: a token verified by any one is accepted.
 */
export function loadPublicKeys(alg: Algorithm, raw: string, source = 'AUTH_JWT_KEY'): KeyMaterial {
  const text = unescapePem(raw);
  const blocks = [...text.matchAll(PEM_BLOCK)];
  const invalid = `${source} is not a valid key for AUTH_JWT_ALG=${alg}`;
  if (blocks.length === 0) {
    return {
      keys: [],
      errors: [
        invalid,
        `${source} must be ${expectedKeyDescription(alg)} in PEM form (-----BEGIN PUBLIC KEY----- ...); no PEM block was found`,
      ],
      warnings: [],
    };
  }
  const keys: KeyObject[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  blocks.forEach(([block, label], index) => {
    const which = blocks.length > 1 ? ` (PEM block ${index + 1} of ${blocks.length})` : '';
    let key: KeyObject;
    try {
      key = label === 'CERTIFICATE' ? new X509Certificate(block).publicKey : createPublicKey(block);
    } catch (error) {
      errors.push(
        invalid + which,
        `${source} must be ${expectedKeyDescription(alg)}; the PEM block "${label}" could not be parsed (${(error as Error).message})`,
      );
      return;
    }
    if (label.includes('PRIVATE')) {
      warnings.push(
        `${source}${which} holds a private key; Gatehouse only needs the public key, which it derived from it. Keep private keys off the verifying server.`,
      );
    }
    const mismatch = keyMismatch(alg, key);
    if (mismatch) {
      errors.push(invalid + which, `${source} ${mismatch}`);
      return;
    }
    keys.push(key);
  });
  return { keys, errors, warnings };
}
