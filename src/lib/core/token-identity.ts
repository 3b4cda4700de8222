import type { Session } from './session.js';

/**
 * What revocation (docs/protocol.md §11) reads of a token besides its session: the
 * top-level `jti` and `iat`. The session's `claims` is the namespace object, which
 * need not hold them, and the session's JSON shape (§3.1) is fixed; so the JWT
 * verifiers note them here, beside the session object, when they accept a token.
 */
export interface TokenIdentity {
  readonly jti: string | undefined;
  readonly issuedAt: number | undefined;
}

const identities = new WeakMap<Session, TokenIdentity>();
const NONE: TokenIdentity = Object.freeze({ jti: undefined, issuedAt: undefined });

/** Called by the JWT check for each session it creates, with the token's payload. */
export function noteTokenIdentity(session: Session, payload: Readonly<Record<string, unknown>>): void {
  identities.set(session, identityIn(payload));
}

/**
 * The session's jti and iat. A session no JWT verifier noted (a custom verifier's)
 * answers from its claims, when they hold them.
 */
export function tokenIdentityOf(session: Session): TokenIdentity {
  return identities.get(session) ?? identityIn(session.claims);
}

function identityIn(object: Readonly<Record<string, unknown>>): TokenIdentity {
  const { jti, iat } = object;
  const id = typeof jti === 'string' && jti !== '' ? jti : undefined;
  const issuedAt = typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined;
  return id === undefined && issuedAt === undefined ? NONE : { jti: id, issuedAt };
}
