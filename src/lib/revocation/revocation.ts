import { createHash } from 'node:crypto';
import { validUntil } from '../core/token-rules.js';

// One revocation (docs/protocol.md §11): a token by its jti, or every token of a sub
// issued before a cut-off. Plain JSON objects, the same in memory, in the data file,
// in Redis and in the admin API's answers.

/** One token, until its `exp`. */
export interface JtiRevocation {
  readonly id: string;
  readonly jti: string;
  /** The token's exp (seconds since the epoch): after it, the token is refused as expired anyway. */
  readonly exp: number;
  /** When this entry was stored (seconds since the epoch). */
  readonly revokedAt: number;
}

/** Every token of `sub` whose `iat` is earlier than `before` ("sign out everywhere"). */
export interface SubRevocation {
  readonly id: string;
  readonly sub: string;
  readonly before: number;
  readonly revokedAt: number;
}

export type Revocation = JtiRevocation | SubRevocation;

export function isJtiRevocation(entry: Revocation): entry is JtiRevocation {
  return 'jti' in entry;
}

/**
 * The id of the entry for a jti or a sub: the same on every process and after every
 * restart, so one jti (one sub) has at most one entry, and writing it twice from two
 * processes cannot make two. URL-safe, of fixed length, and it does not show the
 * jti or sub it stands for in access logs.
 */
export function revocationId(kind: 'jti' | 'sub', value: string): string {
  const digest = createHash('sha256').update(`${kind}\0${value}`).digest('base64url').slice(0, 22);
  return `${kind}_${digest}`;
}

/**
 * The entry to keep when `next` is written over `current` (same id): the one that
 * revokes more, the later exp or cut-off. A revocation is never narrowed by another
 * revocation; lifting one is a DELETE.
 */
export function mergeRevocations<T extends Revocation>(current: T | undefined, next: T): T {
  if (current === undefined) return next;
  return boundOf(next) > boundOf(current) ? next : current;
}

/** exp of a jti entry, before of a sub entry. */
export function boundOf(entry: Revocation): number {
  return isJtiRevocation(entry) ? entry.exp : entry.before;
}

/** How long entries are kept (docs/protocol.md §11: until no token they cover can still be valid). */
export interface Retention {
  /** Seconds of leeway the exp check allows (AUTH_JWT_CLOCK_TOLERANCE). */
  readonly leeway: number;
  /** The longest token lifetime; null: a sub cut-off is kept until it is lifted. */
  readonly maxTokenLifetimeSeconds: number | null;
}

/**
 * The time (seconds since the epoch) from which no token the entry covers can pass:
 * a jti's token has expired (with leeway); a token of the sub issued before the
 * cut-off has outlived the longest lifetime. Infinity: never.
 */
export function dropTimeOf(entry: Revocation, retention: Retention): number {
  if (isJtiRevocation(entry)) return validUntil(entry.exp, retention.leeway);
  const lifetime = retention.maxTokenLifetimeSeconds;
  return lifetime === null ? Number.POSITIVE_INFINITY : validUntil(entry.before + lifetime, retention.leeway);
}

// Times are seconds since the epoch; a value past the year 9999 is almost surely
// milliseconds, a mistake that would revoke for ever.
const LATEST_TIME = 253_402_300_799;
/** Longer jti or sub values are refused: no token holds one, and entries stay small. */
export const MAX_VALUE_LENGTH = 1024;

/** A stored record (file line, Redis hash value) read back: the entry, or undefined when it is not one. */
export function parseStoredRevocation(value: unknown): Revocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as Record<string, unknown>;
  if (!isTime(entry.revokedAt)) return undefined;
  if (isValue(entry.jti) && isTime(entry.exp) && entry.id === revocationId('jti', entry.jti)) {
    return { id: entry.id, jti: entry.jti, exp: entry.exp, revokedAt: entry.revokedAt };
  }
  if (isValue(entry.sub) && isTime(entry.before) && entry.id === revocationId('sub', entry.sub)) {
    return { id: entry.id, sub: entry.sub, before: entry.before, revokedAt: entry.revokedAt };
  }
  return undefined;
}

function isValue(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= MAX_VALUE_LENGTH;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= LATEST_TIME;
}

/**
 * A revocation asked for through the admin API (or the library): `{"jti", "exp"}` or
 * `{"sub", "before"?}`, `before` defaulting to `now`. Answers the entry to store, or
 * what is wrong with the request, in words, one problem per line.
 */
export function parseRevocationRequest(body: unknown, now: number): Revocation | string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return ['the body must be a JSON object: {"jti": "<id>", "exp": <seconds>} or {"sub": "<user id>", "before": <seconds>}'];
  }
  const given = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(given)) {
    if (!['jti', 'exp', 'sub', 'before'].includes(key))
      problems.push(`unknown field "${key.slice(0, 100)}": give jti and exp, or sub and before`);
  }
  const hasJti = given.jti !== undefined;
  const hasSub = given.sub !== undefined;
  if (hasJti === hasSub) {
    problems.push(
      hasJti
        ? 'give either jti (with exp) or sub (with before), not both'
        : 'give jti (with exp) to revoke one token, or sub (with before) to revoke every token of a user',
    );
    return problems;
  }
  const kind = hasJti ? 'jti' : 'sub';
  if (!isValue(given[kind])) problems.push(`${kind} must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`);
  if (hasJti) {
    if (given.before !== undefined) problems.push('before goes with sub; with jti, give exp');
    if (given.exp === undefined)
      problems.push(
        "exp is required with jti: the token's exp (seconds since the epoch), so that the entry is dropped once the token has expired",
      );
    else if (!isTime(given.exp)) problems.push(timeProblem('exp', given.exp));
  } else {
    if (given.exp !== undefined) problems.push('exp goes with jti; with sub, give before (or nothing: now)');
    if (given.before !== undefined && !isTime(given.before)) problems.push(timeProblem('before', given.before));
  }
  if (problems.length > 0) return problems;
  if (hasJti) {
    const jti = given.jti as string;
    return { id: revocationId('jti', jti), jti, exp: given.exp as number, revokedAt: now };
  }
  const sub = given.sub as string;
  return { id: revocationId('sub', sub), sub, before: (given.before as number | undefined) ?? now, revokedAt: now };
}

function timeProblem(name: string, value: unknown): string {
  if (typeof value === 'number' && value > LATEST_TIME) return `${name} must be in seconds since the epoch, not milliseconds`;
  return `${name} must be a number of seconds since the epoch`;
}
