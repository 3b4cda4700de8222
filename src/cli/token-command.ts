import { readFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { isSymmetric } from '../lib/core/algorithms.js';
import { AuthFailure } from '../lib/core/auth-failure.js';
import { parseNamespace, placeAtPath, type NamespacePath } from '../lib/core/namespace.js';
import { keyMismatch } from '../lib/keys/key-material.js';
import { ConfigurationError } from '../lib/options/configuration-error.js';
import type { Environment } from '../lib/options/options-from-env.js';
import { UsageError, parseOptions } from './usage.js';
import type { JwtAuthConfig as AuthConfig } from '../lib/options/settings.js';
import { authFromEnv } from './cli-config.js';
import { policyFor } from '../lib/verify/validation-policy.js';
import { validateToken, type ValidationPolicy } from '../lib/core/validate-token.js';
import { signedToken, unsignedToken } from './sign-token.js';

// `npm run -s token -- --sub alice`: a token that the server, as configured by this
// environment and .env, accepts. The token is checked with the server's own
// validateToken before it is printed, and a warning says so when it would be refused.

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const TOKEN_USAGE = `Usage: gatehouse token --sub <user id> [options]
       npm run -s token -- --sub <user id> [options]     (in the Gatehouse repository)

Prints one token that this server, as configured by the environment and .env, accepts.

Options:
  --sub <id>               the user id (required)
  --claims '<json>'        a JSON object merged into the claims object
  --exp <duration>         lifetime: seconds, or 30m, 2h, 7d (default 1h); negative
                           values make an expired token; "none" omits exp (insecure mode)
  --namespace <value>      where the claims go (default AUTH_JWT_NAMESPACE)
  --private-key <file>     secure mode with RS*/PS*/ES*/EdDSA: the PEM private key to sign with
  --kid <id>               a kid header for the signed token
  -h, --help               this text
`;

class HelpRequested extends Error {}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDuration(value: string): number | null {
  const match = /^(-?\d+)([smhd]?)$/.exec(value.trim());
  if (!match)
    throw new UsageError(
      `--exp has invalid value: ${JSON.stringify(value)}. Use seconds or a number with s, m, h or d (30m, 2h, 7d), or "none"`,
    );
  return Number(match[1]) * UNITS[match[2] || 's'];
}

function parseClaims(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let claims: unknown;
  try {
    claims = JSON.parse(value);
  } catch {
    throw new UsageError(`--claims is not valid JSON: ${value}`);
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new UsageError('--claims must be a JSON object, like \'{"role":"admin"}\'');
  }
  return claims as Record<string, unknown>;
}

function staticKeysOf(auth: AuthConfig): readonly KeyObject[] {
  return auth.mode === 'secure' && auth.keySource.kind === 'static' ? auth.keySource.keys : [];
}

function readPrivateKey(file: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new UsageError(`--private-key cannot be used: ${file} (${(error as Error).message})`);
  }
}

export function runTokenCommand(argv: readonly string[], env: Environment, now = Math.floor(Date.now() / 1000)): CommandResult {
  try {
    const { token, refusal } = mintToken(argv, env, now);
    // A token asked to be invalid (--exp -5m, odd --claims) is still printed, with a warning.
    const stderr = refusal
      ? `token: warning: the server as configured would refuse this token: ${refusal.reason}: ${refusal.message}\n`
      : '';
    return { code: 0, stdout: `${token}\n`, stderr };
  } catch (error) {
    if (error instanceof HelpRequested) return { code: 0, stdout: TOKEN_USAGE, stderr: '' };
    if (error instanceof UsageError) return { code: 2, stdout: '', stderr: `token: ${error.message}\n` };
    if (error instanceof ConfigurationError) {
      return { code: 2, stdout: '', stderr: `token: the configuration is invalid:\n${error.lines.join('\n')}\n` };
    }
    throw error;
  }
}

function mintToken(argv: readonly string[], env: Environment, now: number): { token: string; refusal: AuthFailure | undefined } {
  const values = parseOptions(
    argv,
    {
      sub: { type: 'string' },
      claims: { type: 'string' },
      exp: { type: 'string' },
      namespace: { type: 'string' },
      'private-key': { type: 'string' },
      kid: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    TOKEN_USAGE,
  );
  if (values.help) throw new HelpRequested();
  if (values.sub === undefined || values.sub.trim() === '') {
    throw new UsageError(`--sub is required and must not be blank\n\n${TOKEN_USAGE}`);
  }

  const auth = authFromEnv(env);
  const namespaceSetting = values.namespace ?? auth.namespaceSetting;
  const namespace: NamespacePath | Error = parseNamespace(namespaceSetting);
  if (namespace instanceof Error)
    throw new UsageError(`--namespace has invalid value: ${JSON.stringify(namespaceSetting)}. ${namespace.message}`);
  const lifetime = values.exp === 'none' ? null : parseDuration(values.exp ?? '1h');

  const payload: Record<string, unknown> = { iat: now };
  if (lifetime !== null) payload.exp = now + lifetime;
  else if (auth.mode === 'secure') throw new UsageError('--exp none: secure mode requires an exp claim');
  if (auth.mode === 'secure') {
    if (auth.issuer !== undefined) payload.iss = auth.issuer;
    if (auth.audience !== undefined) payload.aud = auth.audience;
  }
  placeAtPath(payload, namespace, { ...parseClaims(values.claims), sub: values.sub });

  let token: string;
  // Checked as the server checks, but with the namespace the token was made for.
  const policy: ValidationPolicy = { ...policyFor(auth, () => staticKeysOf(auth)), namespace };
  if (auth.mode === 'insecure') {
    token = unsignedToken(payload);
  } else {
    if (auth.keySource.kind !== 'static') {
      throw new UsageError('AUTH_JWT_JWKS_URL is set: your identity provider holds the signing keys, so get a token from it');
    }
    const staticKeys = auth.keySource.keys;
    const alg = auth.algorithms[0];
    let key: KeyObject;
    if (isSymmetric(alg)) {
      key = staticKeys[0];
    } else {
      if (values['private-key'] === undefined) {
        throw new UsageError(
          `AUTH_JWT_ALG=${alg} verifies with a public key, so the token must be signed with its private key: add --private-key <pem file>`,
        );
      }
      key = readPrivateKey(values['private-key']);
      const mismatch = keyMismatch(alg, createPublicKey(key));
      if (mismatch) throw new UsageError(`--private-key does not fit AUTH_JWT_ALG=${alg}: ${mismatch}`);
    }
    token = signedToken(payload, alg, key, values.kid);
  }

  const check = validateToken(token, policy, now);
  return { token, refusal: check instanceof AuthFailure ? check : undefined };
}
