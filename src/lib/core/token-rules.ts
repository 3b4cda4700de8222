import type { KeyObject } from 'node:crypto';
import type { Algorithm } from './algorithms.js';
import { AuthFailure, showValue } from './auth-failure.js';
import { resolvePath, type NamespacePath } from './namespace.js';
import { verifySignature } from './signature.js';

// The rules of docs/protocol.md §3, one small pure function each. validate-token.ts
// calls them in the contract's order; each returns an AuthFailure or null (passes).

export type JsonObject = Record<string, unknown>;

export interface DecodedToken {
  /** Secure mode only: insecure mode does not interpret the header. */
  readonly header: JsonObject | undefined;
  readonly payload: JsonObject;
  /** `header.payload`, exactly as signed. */
  readonly signingInput: string;
  readonly signature: string;
}

export const MALFORMED = new AuthFailure('token_malformed', 'Invalid token');
export const ALG_MISMATCH = new AuthFailure('alg_not_allowed', 'Signing algorithm mismatch');
export const BAD_SIGNATURE = new AuthFailure('signature_invalid', 'Invalid token signature');
export const KEY_NOT_FOUND = new AuthFailure('key_not_found', "No key found for the token's kid");
export const EXPIRED = new AuthFailure('token_expired', 'Expired token');
export const NOT_YET_VALID = new AuthFailure('token_not_yet_valid', 'Token is not yet valid');
export const SUB_INVALID = new AuthFailure('sub_invalid', "Missing or invalid 'sub' claim");
export const TYPE_INVALID = new AuthFailure('token_type_invalid', 'Invalid token type');
export const UNKNOWN_ISSUER = new AuthFailure('claim_invalid', 'Unknown issuer');
export const ISSUER_MISSING = new AuthFailure('claim_missing', 'Missing required "iss" claim');

// Unpadded, as JWS requires: a padded or re-encoded token is not the token that was signed.
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The deepest nesting a token's JSON may have: the payload (or header) object is level
 * 1, each object or array inside it one level more. Deeper is token_malformed: whatever
 * walks the claims later (freezing the cached session, serialising it) stays shallow.
 */
export const MAX_JSON_DEPTH = 64;

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Whether JSON text nests objects and arrays deeper than `limit`: one pass over its
 * characters, strings skipped with indexOf (most of a payload is strings), no
 * recursion and no allocation. Run before JSON.parse, so a deep document is never
 * built. Exact for valid JSON; for invalid text the answer does not matter, JSON.parse
 * refuses it anyway.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      i = endOfString(text, i);
    } else if (code === 0x7b || code === 0x5b) {
      if (++depth > limit) return true;
    } else if (code === 0x7d || code === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * The index of the quote that closes the string opened at `open` (text.length if none):
 * the next quote preceded by an even number of backslashes. Each backslash is counted
 * once, for the one quote it precedes, so the whole scan stays linear.
 */
function endOfString(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return close;
    close = text.indexOf('"', close + 1);
  }
  return text.length;
}

/** A base64url segment holding a JSON object no deeper than MAX_JSON_DEPTH, or undefined. */
export function decodeJsonSegment(segment: string): JsonObject | undefined {
  if (segment.length === 0 || !BASE64URL.test(segment)) return undefined;
  const text = Buffer.from(segment, 'base64url').toString('utf8');
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function oversized(token: string, maxBytes: number): AuthFailure | null {
  // Checked before any parsing, so a huge token costs nothing. The contract's message
  // for token_malformed is "Invalid token", whatever the shape problem. Bytes, not
  // UTF-16 units (byteLength only runs once the length is known to be small).
  return token.length > maxBytes || Buffer.byteLength(token, 'utf8') > maxBytes ? MALFORMED : null;
}

/**
 * RFC 7515 4.1.11: a `crit` header lists extensions the recipient must understand or
 * refuse the token. Gatehouse understands none, so any `crit` (even an empty or
 * malformed one, which the RFC forbids too) makes the token malformed.
 */
export function hasCriticalExtensions(header: JsonObject): boolean {
  return Object.hasOwn(header, 'crit');
}

/**
 * Step 1, shape. Insecure: two or three parts (a token without its trailing dot is
 * fine), header not interpreted. Secure: three parts and a header object with `alg`
 * and without `crit`. Both: JSON no deeper than MAX_JSON_DEPTH.
 */
export function decodeToken(token: string, secure: boolean): DecodedToken | AuthFailure {
  const parts = token.split('.');
  if (parts.length !== 3 && (secure || parts.length !== 2)) return MALFORMED;
  const payload = decodeJsonSegment(parts[1]);
  if (payload === undefined) return MALFORMED;
  const signature = parts[2] ?? '';
  if (!secure) {
    return { header: undefined, payload, signingInput: '', signature };
  }
  const header = decodeJsonSegment(parts[0]);
  if (header === undefined || header.alg === undefined || hasCriticalExtensions(header) || !BASE64URL.test(signature)) {
    return MALFORMED;
  }
  return {
    header,
    payload,
    signingInput: token.slice(0, parts[0].length + 1 + parts[1].length),
    signature,
  };
}

/** Step 2: the header's alg must be one that is configured (this refuses `none`). */
export function checkAlgorithm(header: JsonObject, allowed: readonly Algorithm[]): AuthFailure | null {
  return allowed.includes(header.alg as Algorithm) ? null : ALG_MISMATCH;
}

/**
 * A `typ` as compared (RFC 7515 4.1.9): without regard to case, and `application/`
 * left out, so `at+jwt`, `AT+JWT` and `application/at+jwt` are one type.
 */
export function normalizeTokenType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/**
 * Step 2, second half (only when a type is required, e.g. `at+jwt` for RFC 9068 access
 * tokens): the header's `typ` must be that type. `required` is already normalized.
 */
export function checkTokenType(header: JsonObject, required: string | undefined): AuthFailure | null {
  if (required === undefined) return null;
  return typeof header.typ === 'string' && normalizeTokenType(header.typ) === required ? null : TYPE_INVALID;
}

/**
 * Several issuers (docs/protocol.md §16), before step 2: the payload's `iss`, read
 * before any signature is checked, names the issuer whose settings and keys check the
 * token; nothing else does. An exact string match: a Map lookup, whatever the number
 * of issuers.
 */
export function chooseIssuer<T>(payload: JsonObject, issuers: ReadonlyMap<string, T>): T | AuthFailure {
  const iss = payload.iss;
  if (iss === undefined) return ISSUER_MISSING;
  const chosen = typeof iss === 'string' ? issuers.get(iss) : undefined;
  return chosen === undefined ? UNKNOWN_ISSUER : chosen;
}

/** Step 3: one of the candidate keys must verify the signature. */
export function checkSignature(token: DecodedToken, alg: Algorithm, keys: readonly KeyObject[]): AuthFailure | null {
  return signingKey(token, alg, keys) === undefined ? BAD_SIGNATURE : null;
}

/** The first of the candidate keys that verifies the signature, if any. */
export function signingKey(token: DecodedToken, alg: Algorithm, keys: readonly KeyObject[]): KeyObject | undefined {
  const signature = Buffer.from(token.signature, 'base64url');
  for (const key of keys) {
    if (verifySignature(alg, token.signingInput, signature, key)) return key;
  }
  return undefined;
}

function invalidClaim(name: string, value: unknown): AuthFailure {
  return new AuthFailure('claim_invalid', `Invalid "${name}" claim value: ${showValue(value)}`);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The first whole second (since the epoch) at which a token with this `exp` no longer
 * passes step 4: it is valid while now (whole seconds) <= exp + leeway, so `exp` = now
 * is valid and `exp` may be fractional. The one rule for the REST check, the close of a
 * live socket at expiry and how long a revocation of the token is kept.
 */
export function validUntil(exp: number, leeway: number): number {
  return Math.floor(exp + leeway) + 1;
}

/**
 * Step 4: exp, iat and nbf, each only when present, with `leeway` seconds of slack.
 * `now` is whole seconds; a token whose exp equals now is still valid.
 */
export function checkTimes(payload: JsonObject, now: number, leeway: number): AuthFailure | null {
  if (payload.exp !== undefined) {
    if (!isNumericDate(payload.exp)) return invalidClaim('exp', payload.exp);
    if (now >= validUntil(payload.exp, leeway)) return EXPIRED;
  }
  if (payload.iat !== undefined) {
    if (!isNumericDate(payload.iat)) return invalidClaim('iat', payload.iat);
    if (payload.iat > now + leeway) return invalidClaim('iat', payload.iat);
  }
  if (payload.nbf !== undefined) {
    if (!isNumericDate(payload.nbf)) return invalidClaim('nbf', payload.nbf);
    if (payload.nbf > now + leeway) return NOT_YET_VALID;
  }
  return null;
}

/**
 * Step 5: iss and aud, when configured and present, must match. `audience` may be a
 * list: the token's aud (a string or an array) must hold at least one of them.
 */
export function checkIssuerAndAudience(
  payload: JsonObject,
  issuer: string | undefined,
  audience: string | readonly string[] | undefined,
): AuthFailure | null {
  if (issuer !== undefined && payload.iss !== undefined && payload.iss !== issuer) {
    return invalidClaim('iss', payload.iss);
  }
  if (audience !== undefined && payload.aud !== undefined) {
    const aud = payload.aud;
    if (!audienceMatches(aud, audience)) return invalidClaim('aud', aud);
  }
  return null;
}

function audienceMatches(aud: unknown, audience: string | readonly string[]): boolean {
  if (typeof audience === 'string') return aud === audience || (Array.isArray(aud) && aud.includes(audience));
  if (typeof aud === 'string') return audience.includes(aud);
  return Array.isArray(aud) && aud.some((value) => typeof value === 'string' && audience.includes(value));
}

/** Step 6: the claims secure mode requires, reported in the order exp, iat, iss, aud. */
export function checkRequiredClaims(payload: JsonObject, required: readonly string[]): AuthFailure | null {
  for (const name of required) {
    if (payload[name] === undefined) {
      return new AuthFailure('claim_missing', `Missing required "${name}" claim`);
    }
  }
  return null;
}

export function requiredClaims(issuer: string | undefined, audience: string | readonly string[] | undefined): string[] {
  return ['exp', 'iat', ...(issuer !== undefined ? ['iss'] : []), ...(audience !== undefined ? ['aud'] : [])];
}

/**
 * Step 7: the claims object through the namespace (no fallback to the top level),
 * and its `sub`, or the legacy `user_id` when `sub` is absent or null. The id must
 * be a non-blank string and is returned untrimmed.
 */
export function extractSubject(payload: JsonObject, namespace: NamespacePath): { sub: string; claims: JsonObject } | AuthFailure {
  const claims = namespace.length === 0 ? payload : resolvePath(payload, namespace);
  if (!isJsonObject(claims)) return SUB_INVALID;
  const own = (name: string): unknown => (Object.hasOwn(claims, name) ? claims[name] : undefined);
  const sub = own('sub');
  const id = sub === undefined || sub === null ? own('user_id') : sub;
  if (typeof id !== 'string' || id.trim() === '') return SUB_INVALID;
  return { sub: id, claims };
}
