import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRefusal } from '../auth/refusal-replies.js';
import { REALM } from '../auth/refusal-replies.js';
import { bearerToken } from '../core/bearer-token.js';

/** An admin key shorter than this is refused at startup: it must be beyond guessing. */
export const MIN_ADMIN_KEY_LENGTH = 32;

/**
 * Whether an Authorization header carries the admin key. Both sides are hashed first
 * and the digests compared in constant time, so neither the key's content nor its
 * length shows in how long the answer takes.
 */
export function carriesAdminKey(authorization: string | string[] | undefined, adminKeyDigest: Buffer): boolean {
  const given = bearerToken(authorization);
  if (given === undefined) return false;
  return timingSafeEqual(digestOf(given), adminKeyDigest);
}

export function digestOf(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/**
 * Every refused admin request gets this one answer, whatever was wrong (no key, a
 * wrong one, a user's token): it tells a caller nothing it could use.
 */
export const ADMIN_REFUSAL: HttpRefusal = {
  status: 401,
  headers: { 'WWW-Authenticate': `Bearer realm="${REALM}"` },
  body: { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' },
};
