import { parseNamespace, resolvePath, type NamespacePath } from './namespace.js';
import type { Session } from './session.js';

// What a verified token allows (docs/protocol.md §15): its scopes, roles and channel
// patterns, read from the payload through the same JSON Pointer code as the namespace.
// A claim of the wrong type grants nothing; it is never an error.

/** Where each right is read. `scopes: undefined`: the RFC 8693 / RFC 9068 default, `scope` then `scp`. */
export interface RightsPaths {
  readonly scopes: NamespacePath | undefined;
  readonly roles: NamespacePath;
  readonly channels: NamespacePath;
}

export interface Rights {
  readonly scopes: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
  /** Channel names, or prefixes ending with `*`. */
  readonly channels: readonly string[];
}

export const DEFAULT_RIGHTS_PATHS: RightsPaths = { scopes: undefined, roles: ['roles'], channels: ['channels'] };

/** A claim setting (`/a/b` or one top-level key) as a path; an Error for a bad JSON Pointer. */
export function parseClaimPath(value: string | undefined, fallback: NamespacePath): NamespacePath | Error {
  if (value === undefined || value === '') return fallback;
  return parseNamespace(value);
}

const EMPTY: ReadonlySet<string> = new Set();
const NOTHING: Rights = Object.freeze({ scopes: EMPTY, roles: EMPTY, channels: Object.freeze([]) });

/** The rights in a token's payload (or, for a custom verifier's session, in its claims). */
export function readRights(payload: unknown, paths: RightsPaths): Rights {
  const scopes = paths.scopes === undefined ? defaultScopes(payload) : scopeSet(resolvePath(payload, paths.scopes));
  const roles = roleSet(resolvePath(payload, paths.roles));
  const channels = strings(resolvePath(payload, paths.channels));
  if (scopes.size === 0 && roles.size === 0 && channels.length === 0) return NOTHING;
  return { scopes, roles, channels };
}

/** `scope` as a space-separated string; else `scp` as a string or an array of strings. */
function defaultScopes(payload: unknown): ReadonlySet<string> {
  const scope = resolvePath(payload, ['scope']);
  if (typeof scope === 'string') return scopeSet(scope);
  return scopeSet(resolvePath(payload, ['scp']));
}

/** A space-separated string (RFC 8693 §4.2) or an array of strings. */
function scopeSet(value: unknown): ReadonlySet<string> {
  if (typeof value === 'string') {
    const words = value.split(' ').filter((word) => word !== '');
    return words.length === 0 ? EMPTY : new Set(words);
  }
  return stringSet(value);
}

/** An array of strings; or one string, for providers that hold a single role there (Supabase's `role`). */
function roleSet(value: unknown): ReadonlySet<string> {
  return typeof value === 'string' && value !== '' ? new Set([value]) : stringSet(value);
}

function stringSet(value: unknown): ReadonlySet<string> {
  const list = strings(value);
  return list.length === 0 ? EMPTY : new Set(list);
}

/** The strings of an array (other entries ignored); anything but an array: none. */
function strings(value: unknown): readonly string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is string => typeof entry === 'string' && entry !== '');
}

/** A channel pattern is a name, or ends with `*` and matches every name with that prefix. */
export function channelAllowed(patterns: readonly string[], channel: string): boolean {
  for (const pattern of patterns) {
    if (pattern.endsWith('*') ? channel.startsWith(pattern.slice(0, -1)) : pattern === channel) return true;
  }
  return false;
}

/**
 * Rights per session. A session object is one token's (the verified-token cache hands
 * the same object to every request of that token), so the claims are read once per
 * token: the JWT verifiers note them from the payload when they accept it; a custom
 * verifier's session is read from its claims on first use.
 */
const noted = new WeakMap<Session, Rights>();

export function noteRights(session: Session, payload: unknown, paths: RightsPaths): void {
  noted.set(session, readRights(payload, paths));
}

/**
 * The rights Gatehouse read for an authenticated session (docs/authorization.md): for a
 * raw gateway's own checks in handleAuthenticated. Nothing for a session it never saw.
 */
export function rightsOfSession(session: Session): Rights {
  return noted.get(session) ?? NOTHING;
}

export function rightsOf(session: Session, paths: RightsPaths): Rights {
  let rights = noted.get(session);
  if (rights === undefined) noted.set(session, (rights = readRights(session.claims, paths)));
  return rights;
}
