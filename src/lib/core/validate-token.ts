import type { KeyObject } from 'node:crypto';
import type { Algorithm } from './algorithms.js';
import { AuthFailure } from './auth-failure.js';
import type { NamespacePath } from './namespace.js';
import type { Session } from './session.js';
import { noteTokenIdentity } from './token-identity.js';
import {
  BAD_SIGNATURE,
  KEY_NOT_FOUND,
  checkAlgorithm,
  checkIssuerAndAudience,
  checkTokenType,
  chooseIssuer,
  checkRequiredClaims,
  checkTimes,
  decodeToken,
  extractSubject,
  oversized,
  signingKey,
  type JsonObject,
} from './token-rules.js';

// Contract section 3, top to bottom: the one place that decides whether a token is
// accepted. REST (through the passport strategies) and WebSocket both call it.

interface CommonPolicy {
  readonly namespace: NamespacePath;
  readonly clockTolerance: number;
  readonly maxTokenBytes: number;
}

export interface InsecurePolicy extends CommonPolicy {
  readonly mode: 'insecure';
}

export interface SecurePolicy extends CommonPolicy {
  readonly mode: 'secure';
  readonly algorithms: readonly Algorithm[];
  /** The keys that may have signed a token with this header; undefined: no key for its kid. */
  readonly keysFor: (header: JsonObject) => readonly KeyObject[] | undefined;
  readonly issuer: string | undefined;
  /** One audience, or a list of which the token's aud must hold at least one. */
  readonly audience: string | readonly string[] | undefined;
  /** The `typ` the header must carry, normalized (normalizeTokenType); undefined: any or none. */
  readonly tokenType?: string;
  /** exp, iat, then iss and aud when configured. */
  readonly requiredClaims: readonly string[];
}

export type ValidationPolicy = InsecurePolicy | SecurePolicy;

export type ValidationResult = Session | AuthFailure;

/** The steps of section 3, in order, for `npm run -s token -- explain`. */
export const VALIDATION_STEPS = ['shape', 'algorithm', 'signature', 'times', 'issuer and audience', 'required claims', 'subject'] as const;
export type ValidationStep = (typeof VALIDATION_STEPS)[number];

/** Told the outcome of each step that runs (null: passed); never called on the hot path. */
export type ValidationTrace = (step: ValidationStep, failure: AuthFailure | null) => void;

/** Reports a step's outcome when tracing; returns the failure, if any. */
function step<T extends AuthFailure | null>(trace: ValidationTrace | undefined, name: ValidationStep, failure: T): T {
  if (trace) trace(name, failure);
  return failure;
}

/**
 * Secure mode: the key that verified a token's signature, and the header values that
 * chose it; enough to tell later whether a key set still offers that key for the token
 * (a live socket whose key left the set is closed) without keeping the token.
 */
export interface SigningKey {
  readonly alg: Algorithm;
  /** The header's kid, when it has one. */
  readonly kid: unknown;
  readonly key: KeyObject;
}

/** A success together with the payload it came from (for VerifiedTokenCache). */
export interface ValidatedToken {
  readonly session: Session;
  readonly payload: JsonObject;
  /** Secure mode only. */
  readonly signedWith?: SigningKey;
}

export function nowInSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function validateToken(
  token: string,
  policy: ValidationPolicy,
  now: number = nowInSeconds(),
  trace?: ValidationTrace,
): ValidationResult {
  const result = validateTokenWithPayload(token, policy, now, trace);
  return result instanceof AuthFailure ? result : result.session;
}

/** validateToken, also returning the payload of an accepted token. */
export function validateTokenWithPayload(
  token: string,
  policy: ValidationPolicy,
  now: number = nowInSeconds(),
  trace?: ValidationTrace,
): ValidatedToken | AuthFailure {
  const secure = policy.mode === 'secure';

  // 1. Shape (and size, before anything is parsed).
  const tooLarge = oversized(token, policy.maxTokenBytes);
  if (tooLarge) return step(trace, 'shape', tooLarge);
  const decoded = decodeToken(token, secure);
  if (decoded instanceof AuthFailure) return step(trace, 'shape', decoded);
  step(trace, 'shape', null);
  const { payload } = decoded;
  let signedWith: SigningKey | undefined;

  if (policy.mode === 'secure') {
    const header = decoded.header!;
    // 2. Algorithm: the header's alg must be configured; this is how `none` is refused.
    // Then the token type, when one is required: a header check too, so before any signature.
    const algFailure = step(trace, 'algorithm', checkAlgorithm(header, policy.algorithms) ?? checkTokenType(header, policy.tokenType));
    if (algFailure) return algFailure;
    // 3. Signature, with the keys that may have signed it.
    const keys = policy.keysFor(header);
    if (keys === undefined) return step(trace, 'signature', KEY_NOT_FOUND);
    const alg = header.alg as Algorithm;
    const key = signingKey(decoded, alg, keys);
    if (key === undefined) return step(trace, 'signature', BAD_SIGNATURE);
    step(trace, 'signature', null);
    signedWith = { alg, kid: header.kid, key };
  }

  // 4. Times, each only when present.
  const timeFailure = step(trace, 'times', checkTimes(payload, now, policy.clockTolerance));
  if (timeFailure) return timeFailure;

  if (policy.mode === 'secure') {
    // 5. Issuer and audience, when configured.
    const claimFailure = step(trace, 'issuer and audience', checkIssuerAndAudience(payload, policy.issuer, policy.audience));
    if (claimFailure) return claimFailure;
    // 6. Required claims.
    const missing = step(trace, 'required claims', checkRequiredClaims(payload, policy.requiredClaims));
    if (missing) return missing;
  }

  // 7. Subject, through the namespace.
  const subject = extractSubject(payload, policy.namespace);
  if (subject instanceof AuthFailure) return step(trace, 'subject', subject);
  step(trace, 'subject', null);

  const session: Session = {
    sub: subject.sub,
    expiresAt: typeof payload.exp === 'number' ? payload.exp : null,
    claims: subject.claims,
    authMode: policy.mode,
  };
  noteTokenIdentity(session, payload);
  return signedWith === undefined ? { session, payload } : { session, payload, signedWith };
}

/**
 * Several issuers (docs/protocol.md §16): step 1 for the token, then the issuer its
 * `iss` names, whose policy then runs every step. A pure lookup: the token's iss picks
 * exactly one issuer's settings and keys, or none (claim_invalid "Unknown issuer").
 */
export function chooseTokenIssuer<T>(token: string, issuers: ReadonlyMap<string, T>, maxTokenBytes: number): T | AuthFailure {
  const tooLarge = oversized(token, maxTokenBytes);
  if (tooLarge) return tooLarge;
  const decoded = decodeToken(token, true);
  if (decoded instanceof AuthFailure) return decoded;
  return chooseIssuer(decoded.payload, issuers);
}
