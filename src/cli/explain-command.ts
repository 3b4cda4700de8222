import type { KeyObject } from 'node:crypto';
import { AuthFailure } from '../lib/core/auth-failure.js';
import { importKeySet } from '../lib/keys/jwk-import.js';
import { fetchJwks } from '../lib/keys/jwks-fetcher.js';
import { KeySet } from '../lib/keys/key-set.js';
import { displayUrl } from '../lib/keys/remote-key-source.js';
import { resolvePath } from '../lib/core/namespace.js';
import { chooseIssuer, decodeJsonSegment, type JsonObject } from '../lib/core/token-rules.js';
import { discover } from '../lib/keys/discovery.js';
import { VALIDATION_STEPS, validateToken, type ValidationStep } from '../lib/core/validate-token.js';
import { policyFor } from '../lib/verify/validation-policy.js';
import { ConfigurationError } from '../lib/options/configuration-error.js';
import type { Environment } from '../lib/options/options-from-env.js';
import { hasSeveralIssuers, type IssuersAuthConfig, type JwtAuthConfig as AuthConfig } from '../lib/options/settings.js';
import { checkingFromEnv } from './cli-config.js';
import { readRights, type RightsPaths } from '../lib/core/rights.js';
import type { CommandResult } from './token-command.js';

// `npm run -s token -- explain <token>`: runs the server's own validateToken under the
// current configuration and prints each step of docs/protocol.md §3 as it happened,
// with what a developer needs to see why a token is refused. Never the signature.

export const EXPLAIN_USAGE = `Usage: gatehouse explain <token>
       gatehouse explain - < token.txt               (read the token from stdin)
       npm run -s token -- explain <token>           (in the Gatehouse repository)

Checks the token as this server, configured by the environment and .env, would, and
prints each step of the validation with its outcome. Exit status: 0 accepted, 1 refused,
2 usage or configuration error.
`;

const SECURE_ONLY: readonly ValidationStep[] = ['algorithm', 'signature', 'issuer and audience', 'required claims'];

export async function runExplainCommand(
  argv: readonly string[],
  env: Environment,
  readStdin: () => Promise<string>,
  now = Math.floor(Date.now() / 1000),
): Promise<CommandResult> {
  if (argv.length !== 1 || argv[0] === '--help' || argv[0] === '-h') {
    const help = argv[0] === '--help' || argv[0] === '-h';
    return {
      code: help ? 0 : 2,
      stdout: help ? EXPLAIN_USAGE : '',
      stderr: help ? '' : `token: explain takes one token\n\n${EXPLAIN_USAGE}`,
    };
  }
  let configured: AuthConfig | IssuersAuthConfig;
  let rights: RightsPaths;
  try {
    ({ auth: configured, rights } = checkingFromEnv(env));
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    return { code: 2, stdout: '', stderr: `token: the configuration is invalid:\n${error.lines.join('\n')}\n` };
  }
  const raw = argv[0] === '-' ? await readStdin() : argv[0];
  // Pasted from a request, a token often still has its scheme.
  const token = raw.trim().replace(/^bearer\s+/i, '');

  const out: string[] = [];
  const parts = token.split('.');
  const header = parts.length >= 2 ? decodeJsonSegment(parts[0]) : undefined;
  const payload = parts.length >= 2 ? decodeJsonSegment(parts[1]) : undefined;
  let auth: AuthConfig;
  if (hasSeveralIssuers(configured)) {
    // The token's iss picks the issuer whose settings and keys check it (docs/protocol.md §16).
    const chosen = issuerOf(configured, payload, out);
    if (chosen instanceof AuthFailure) {
      out.push('', `result: refused, reason ${chosen.reason} ("${chosen.message}")`);
      return { code: 1, stdout: `${out.join('\n')}\n`, stderr: '' };
    }
    auth = chosen;
    rights = chosen.rights;
  } else {
    auth = configured;
  }
  const keys = await keysFor(auth, out);

  out.push(`now:        ${now} (${iso(now)}), clock tolerance ${auth.clockTolerance} s`);
  out.push(`namespace:  ${auth.namespaceSetting === undefined ? '(unset: the payload itself)' : JSON.stringify(auth.namespaceSetting)}`);
  out.push(
    `header:     ${auth.mode === 'insecure' ? '(not interpreted in insecure mode) ' : ''}${header ? JSON.stringify(header) : '(not a base64url JSON object)'}`,
  );
  out.push(`signature:  ${parts.length === 3 ? `${parts[2].length} characters (never printed)` : '(none)'}`);
  if (payload) {
    const claims = auth.namespace.length === 0 ? payload : resolvePath(payload, auth.namespace);
    out.push(`claims:     ${claims === undefined ? '(nothing at the namespace)' : JSON.stringify(claims)}`);
    out.push(...rightsLines(payload, rights, env));
  }
  out.push('');

  const outcomes = new Map<ValidationStep, AuthFailure | null>();
  const result = validateToken(token, policyFor(auth, keys), now, (step, failure) => outcomes.set(step, failure));

  VALIDATION_STEPS.forEach((step, index) => {
    const label = `${index + 1}. ${step}`.padEnd(24, ' ');
    const outcome = outcomes.get(step);
    if (auth.mode === 'insecure' && SECURE_ONLY.includes(step)) out.push(`${label}skipped (insecure mode)`);
    else if (outcome === undefined) out.push(`${label}not reached`);
    else if (outcome === null) out.push(`${label}ok${stepDetail(step, auth, header)}`);
    else out.push(`${label}FAILED: ${outcome.reason}: ${outcome.message}`);
    if (step === 'times' && payload && outcome !== undefined) out.push(...timeLines(payload, now, auth.clockTolerance));
  });
  out.push('');
  if (result instanceof AuthFailure) {
    out.push(`result: refused, reason ${result.reason} ("${result.message}")`);
    return { code: 1, stdout: `${out.join('\n')}\n`, stderr: '' };
  }
  out.push(`result: accepted, session ${JSON.stringify(result)}`);
  return { code: 0, stdout: `${out.join('\n')}\n`, stderr: '' };
}

/** Several issuers: the one the token's iss names, or why there is none. */
function issuerOf(auth: IssuersAuthConfig, payload: JsonObject | undefined, out: string[]) {
  const configured = auth.issuers.map((issuer) => JSON.stringify(issuer.issuer)).join(', ');
  if (payload === undefined) {
    out.push(`issuer:     (no payload to read iss from) among ${auth.issuers.length} configured`);
    return new AuthFailure('token_malformed', 'Invalid token');
  }
  const chosen = chooseIssuer(payload, new Map(auth.issuers.map((issuer) => [issuer.issuer, issuer])));
  if (chosen instanceof AuthFailure) {
    const iss = payload.iss === undefined ? 'no iss claim' : `iss ${JSON.stringify(payload.iss)}`;
    out.push(`issuer:     none: the token has ${iss}; the configured issuers are ${configured}`);
  } else {
    out.push(`issuer:     ${chosen.place}, ${JSON.stringify(chosen.issuer)}: its keys and settings alone check this token`);
  }
  return chosen;
}

/** Secure mode's keys: the static ones, or the key set fetched once. */
async function keysFor(auth: AuthConfig, out: string[]): Promise<(header: JsonObject) => readonly KeyObject[] | undefined> {
  if (auth.mode === 'insecure') {
    out.push('mode:       insecure (signatures are not checked)');
    return () => [];
  }
  const algs = auth.algorithms.join(', ');
  if (auth.keySource.kind === 'static') {
    const keys = auth.keySource.keys;
    out.push(`mode:       secure, AUTH_JWT_ALG=${algs}, ${keys.length} static key${keys.length === 1 ? '' : 's'}`);
    return () => keys;
  }
  let url: string;
  if (auth.keySource.kind === 'discovery') {
    try {
      url = (await discover(auth.keySource.issuer)).jwksUri;
      out.push(`discovery:  ${displayUrl(auth.keySource.issuer)} names its key set ${displayUrl(url)}`);
    } catch (error) {
      out.push(`mode:       secure, OpenID discovery of ${displayUrl(auth.keySource.issuer)} failed: ${(error as Error).message}`);
      return () => undefined;
    }
  } else {
    url = auth.keySource.url;
  }
  try {
    const imported = importKeySet((await fetchJwks(url)).body, auth.algorithms);
    const set = new KeySet(url, imported.entries, new Date());
    out.push(
      `mode:       secure, algorithms ${algs}, key set ${displayUrl(url)} (${set.size} usable keys: ${imported.entries.map((e) => e.kid ?? '(no kid)').join(', ')})`,
    );
    for (const line of imported.ignored) out.push(`            ${line}`);
    return (header) => set.keysFor(header);
  } catch (error) {
    out.push(`mode:       secure, key set ${displayUrl(url)} could not be fetched: ${(error as Error).message}`);
    return () => undefined;
  }
}

function stepDetail(step: ValidationStep, auth: AuthConfig, header: JsonObject | undefined): string {
  if (auth.mode !== 'secure') return '';
  if (step === 'algorithm') {
    const typ = auth.requireTyp !== undefined ? `, typ ${JSON.stringify(header?.typ)} (required: ${JSON.stringify(auth.requireTyp)})` : '';
    return ` (${String(header?.alg)}${header?.kid !== undefined ? `, kid ${JSON.stringify(header.kid)}` : ''}${typ})`;
  }
  if (step === 'issuer and audience') {
    const configured = [
      auth.issuer !== undefined ? `iss ${JSON.stringify(auth.issuer)}` : '',
      auth.audience !== undefined ? `aud ${JSON.stringify(auth.audience)}` : '',
    ].filter(Boolean);
    return configured.length ? ` (${configured.join(', ')})` : ' (neither AUTH_JWT_ISS nor AUTH_JWT_AUD is set)';
  }
  return '';
}

/** Each time claim against the clock, with its difference in seconds. */
function timeLines(payload: JsonObject, now: number, leeway: number): string[] {
  const lines: string[] = [];
  for (const name of ['exp', 'iat', 'nbf'] as const) {
    const value = payload[name];
    if (value === undefined) {
      lines.push(`     ${name}: absent`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      lines.push(`     ${name}: ${JSON.stringify(value)} is not a number`);
      continue;
    }
    const diff = Math.round(value - now);
    const relative = diff >= 0 ? `${diff} s from now` : `${-diff} s ago`;
    lines.push(`     ${name}: ${value} (${iso(value)}), ${relative}${verdict(name, value, now, leeway)}`);
  }
  return lines;
}

function verdict(name: 'exp' | 'iat' | 'nbf', value: number, now: number, leeway: number): string {
  if (name === 'exp') return value < now - leeway ? ' -> expired' : '';
  if (name === 'iat') return value > now + leeway ? ' -> issued in the future' : '';
  return value > now + leeway ? ' -> not yet valid' : '';
}

function iso(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? 'not a date' : date.toISOString().replace('.000Z', 'Z');
}

/** The token's scopes, roles and channels as authorization reads them (docs/authorization.md), and where from. */
function rightsLines(payload: JsonObject, paths: RightsPaths, env: Environment): string[] {
  const rights = readRights(payload, paths);
  const from = (variable: string, fallback: string) => {
    const value = env[variable]?.trim();
    return value ? `${variable}=${value}` : fallback;
  };
  const list = (values: Iterable<string>) => {
    const all = [...values];
    return all.length === 0 ? '(none)' : all.join(' ');
  };
  return [
    `scopes:     ${list(rights.scopes)}  (from ${from('AUTH_SCOPES_CLAIM', '"scope", else "scp"')})`,
    `roles:      ${list(rights.roles)}  (from ${from('AUTH_ROLES_CLAIM', '"roles"')})`,
    `channels:   ${list(rights.channels)}  (from ${from('AUTH_CHANNELS_CLAIM', '/channels')})`,
  ];
}
