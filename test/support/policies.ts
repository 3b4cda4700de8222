import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../../src/lib/core/algorithms.js';
import { parseNamespace } from '../../src/lib/core/namespace.js';
import { requiredClaims } from '../../src/lib/core/token-rules.js';
import type { InsecurePolicy, SecurePolicy } from '../../src/lib/core/validate-token.js';

function namespaceOf(value: string | undefined) {
  const ns = parseNamespace(value);
  if (ns instanceof Error) throw ns;
  return ns;
}

/** The policy InsecureJwtStrategy builds, from the settings a user would write. */
export function insecurePolicy(opts: { namespace?: string; clockTolerance?: number; maxTokenBytes?: number } = {}): InsecurePolicy {
  return {
    mode: 'insecure',
    namespace: namespaceOf(opts.namespace),
    clockTolerance: opts.clockTolerance ?? 2,
    maxTokenBytes: opts.maxTokenBytes ?? 8192,
  };
}

/** The policy SecureJwtStrategy builds for one algorithm and its key(s). */
export function securePolicy(
  algorithm: Algorithm,
  keys: KeyObject | readonly KeyObject[],
  opts: {
    namespace?: string;
    clockTolerance?: number;
    maxTokenBytes?: number;
    issuer?: string;
    audience?: string;
  } = {},
): SecurePolicy {
  const list = Array.isArray(keys) ? (keys as readonly KeyObject[]) : [keys as KeyObject];
  return {
    mode: 'secure',
    namespace: namespaceOf(opts.namespace),
    clockTolerance: opts.clockTolerance ?? 2,
    maxTokenBytes: opts.maxTokenBytes ?? 8192,
    algorithms: [algorithm],
    keysFor: () => list,
    issuer: opts.issuer,
    audience: opts.audience,
    requiredClaims: requiredClaims(opts.issuer, opts.audience),
  };
}
