import type { KeyObject } from 'node:crypto';
import type { JwtAuthConfig } from '../options/settings.js';
import { normalizeTokenType, requiredClaims, type JsonObject } from '../core/token-rules.js';
import type { ValidationPolicy } from '../core/validate-token.js';

/**
 * The validation policy for a configuration: what the strategies check with, and what
 * the token CLI checks its tokens against. `keysFor` is secure mode's key source.
 */
export function policyFor(
  auth: JwtAuthConfig,
  keysFor: (header: JsonObject) => readonly KeyObject[] | undefined = () => [],
): ValidationPolicy {
  const common = {
    namespace: auth.namespace,
    clockTolerance: auth.clockTolerance,
    maxTokenBytes: auth.maxTokenBytes,
  };
  if (auth.mode === 'insecure') return { mode: 'insecure', ...common };
  return {
    mode: 'secure',
    ...common,
    algorithms: auth.algorithms,
    keysFor,
    issuer: auth.issuer,
    audience: auth.audience,
    ...(auth.requireTyp !== undefined ? { tokenType: normalizeTokenType(auth.requireTyp) } : {}),
    requiredClaims: requiredClaims(auth.issuer, auth.audience),
  };
}
