import { createHmac, randomBytes } from 'node:crypto';

// HS256 tokens for the bench: both servers share one secret, so they verify the very same tokens.

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function newSecret() {
  return randomBytes(32).toString('base64url'); // 43 characters: above HS256's 32-byte minimum
}

export function signHs256(payload, secret) {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned token (alg none), as insecure mode accepts. */
export function unsignedToken(payload) {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

export function userToken(sub, secret, lifetimeSeconds = 3600) {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ sub, iat, exp: iat + lifetimeSeconds }, secret);
}

/** The session Gatehouse answers for an HS256 token of ours (secure mode, no namespace). */
export function sessionOf(token) {
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  return { sub: claims.sub, expiresAt: claims.exp, claims, authMode: 'secure' };
}

/**
 * Gatehouse's environment in secure mode with this secret (HS256), plus `more`. The bench's
 * thousands of users all connect from one loopback address: the per-address cap of
 * unauthenticated sockets (WS_MAX_PENDING_PER_ADDRESS, 100) would refuse them, so it is lifted.
 */
export function secureEnv(secret, more = {}) {
  return { AUTH_MODE: 'secure', AUTH_JWT_ALG: 'HS256', AUTH_JWT_KEY: secret, WS_MAX_PENDING_PER_ADDRESS: '1000000', ...more };
}

/** The issuers of the several-issuers row: names of one length, so that every token and answer has the same size. */
export const issuerUrl = (i) => `https://tenant-${String(i).padStart(3, '0')}.idp.example/`;

/** A token of issuer `iss`, with scopes (space-separated, the `scope` claim). */
export function issuerToken({ iss, sub, scope, secret, lifetimeSeconds = 3600 }) {
  const iat = Math.floor(Date.now() / 1000);
  return signHs256({ iss, sub, scope, iat, exp: iat + lifetimeSeconds }, secret);
}
