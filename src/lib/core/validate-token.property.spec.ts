import { createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { AuthFailure, TOKEN_REASONS } from './auth-failure.js';
import { parseNamespace } from './namespace.js';
import { validateToken, type ValidationPolicy } from './validate-token.js';
import { signedToken } from '../../../test/support/tokens.js';

// Whatever a client sends, validation answers with a session or one of the contract's
// reason codes: it never throws, in either mode, whatever the namespace.
const NOW = 1_800_000_000;
const SECRET = 'p'.repeat(32);
const ns = (value: string) => parseNamespace(value) as string[];

const policies: ValidationPolicy[] = [
  { mode: 'insecure', namespace: [], clockTolerance: 2, maxTokenBytes: 8192 },
  { mode: 'insecure', namespace: ns('/a/b'), clockTolerance: 0, maxTokenBytes: 8192 },
  {
    mode: 'secure',
    namespace: ns('https://example.com/claims'),
    clockTolerance: 2,
    maxTokenBytes: 8192,
    algorithms: ['HS256'],
    keysFor: () => [createSecretKey(Buffer.from(SECRET))],
    issuer: 'iss',
    audience: 'aud',
    requiredClaims: ['exp', 'iat', 'iss', 'aud'],
  },
];

const b64 = (value: string) => Buffer.from(value).toString('base64url');
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const segment = fc.oneof(
  fc.string(),
  jsonValue.map((v) => b64(JSON.stringify(v))),
  fc.base64String().map((s) => s.replace(/=/g, '')),
);
const tokens = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.')),
  fc
    .record({
      header: jsonValue,
      payload: fc.dictionary(
        fc.constantFrom('sub', 'user_id', 'exp', 'iat', 'nbf', 'iss', 'aud', 'a', '__proto__', 'https://example.com/claims'),
        jsonValue,
      ),
    })
    .map(({ header, payload }) => `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}.${b64('sig')}`),
);

function isOutcome(result: unknown): boolean {
  if (result instanceof AuthFailure) return (TOKEN_REASONS as readonly string[]).includes(result.reason) && result.message.length > 0;
  const session = result as { sub: unknown; authMode: unknown };
  return typeof session.sub === 'string' && session.sub.trim() !== '' && (session.authMode === 'secure' || session.authMode === 'insecure');
}

describe('validateToken on arbitrary input', () => {
  it.each(policies.map((p, i) => [i, p] as const))('policy %i: never throws, always a session or a reason code', (_i, policy) => {
    fc.assert(
      fc.property(tokens, (token) => {
        expect(isOutcome(validateToken(token, policy, NOW))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('a mutated signed token is refused, or accepted as exactly the same session', () => {
    const policy = policies[2];
    const token = signedToken(
      { 'https://example.com/claims': { sub: 'alice' }, iss: 'iss', aud: 'aud', iat: NOW, exp: NOW + 60 },
      { alg: 'HS256', key: SECRET },
    );
    const original = validateToken(token, policy, NOW);
    expect(original).toMatchObject({ sub: 'alice' });
    fc.assert(
      fc.property(
        fc.nat(token.length - 1),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ '.split('')),
        (index, char) => {
          const mutated = token.slice(0, index) + char + token.slice(index + 1);
          const result = validateToken(mutated, policy, NOW);
          if (result instanceof AuthFailure) expect(TOKEN_REASONS).toContain(result.reason);
          else expect(result).toEqual(original);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
