import { readFileSync } from 'node:fs';
import { ALGORITHMS, isAlgorithm, isSymmetric, type Algorithm } from '../core/algorithms.js';
import { loadPublicKeys, loadSecretKey, type KeyMaterial } from '../keys/key-material.js';
import { normalizeTokenType } from '../core/token-rules.js';
import { isSet, type OptionChecks, type RawOptions } from './option-checks.js';
import type { SecureAuthConfig, StaticKeysConfig } from './settings.js';

// Secure mode's keys (docs/protocol.md §2 and §8): `key` or `keyFile` with one
// algorithm, or `jwksUrl` with a list of asymmetric ones. Never both sources.

type SecureKeys = Pick<SecureAuthConfig, 'algorithms' | 'keySource' | 'issuer' | 'audience' | 'requireTyp'>;

/** Every asymmetric algorithm: what a key set may serve (an HS* secret never comes from one). */
export const KEY_SET_ALGORITHMS: readonly Algorithm[] = ALGORITHMS.filter((alg) => !isSymmetric(alg));

/**
 * `discoverFrom`: with none of `key`, `keyFile`, `jwksUrl`, the keys are found by OpenID
 * Connect discovery from this issuer (docs/protocol.md §16) instead of being required.
 */
export function resolveSecureKeys(options: RawOptions, check: OptionChecks, discoverFrom?: string): SecureKeys {
  const issuer = check.text('issuer', options.issuer);
  const audience = resolveAudience(options.audience, check);
  const requireTyp = resolveTokenType(options.requireTyp, check);
  const claims = { issuer, audience, ...(requireTyp !== undefined ? { requireTyp } : {}) };
  const isBase64 = check.flag('keyIsBase64', options.keyIsBase64, false);
  const jwksUrl = check.text('jwksUrl', options.jwksUrl);
  if (jwksUrl !== undefined) {
    return { ...claims, ...resolveKeySet(options, jwksUrl, isBase64, check) };
  }
  if (discoverFrom !== undefined && !isSet(options.key) && !isSet(options.keyFile)) {
    if (isBase64) check.error(`${check.name('keyIsBase64')} applies only to an HS* ${check.name('key')}, not to keys found by discovery`);
    return {
      ...claims,
      algorithms: keySetAlgorithms(options.algorithms, 'keys found by OpenID Connect discovery', check),
      keySource: { kind: 'discovery', issuer: discoverFrom },
    };
  }
  const none = { ...claims, algorithms: [], keySource: { kind: 'static', keys: [] } as StaticKeysConfig };

  const alg = oneAlgorithm(options.algorithms, check);
  const keyText = check.text('key', options.key);
  const keyFile = check.text('keyFile', options.keyFile);
  if (keyText !== undefined && keyFile !== undefined) {
    check.error(`${check.name('keyFile')} and ${check.name('key')} are both set: use one of them`);
    return none;
  }
  let key = keyText;
  let source = 'key';
  if (keyFile !== undefined) {
    source = 'keyFile';
    key = readKeyFile(keyFile, check);
    if (key === undefined) return none;
    // Files usually end with a newline that is not part of an HS* secret.
    if (alg !== undefined && isSymmetric(alg)) key = key.replace(/\r?\n$/, '');
  }
  if (key === undefined) {
    if (isSet(options.key) || isSet(options.keyFile)) return none; // not a string: reported above
    check.error(`${check.name('key')} not set`);
    return none;
  }
  if (alg === undefined) return none;

  let material: KeyMaterial;
  if (isSymmetric(alg)) {
    material = loadSecretKey(alg, key, isBase64, check.name(source));
  } else {
    if (isBase64) {
      check.error(
        `${check.name('keyIsBase64')} applies only to HS* algorithms; for ${check.name('algorithms')}=${alg} give the PEM itself (a one-line value with \\n escapes works)`,
      );
      return none;
    }
    material = loadPublicKeys(alg, key, check.name(source));
  }
  // key-material.ts words its lines for the environment; name the algorithm option as the user does.
  const rename = (line: string) => line.replaceAll('AUTH_JWT_ALG', check.name('algorithms'));
  material.errors.map(rename).forEach((line) => check.error(line));
  check.warnings.push(...material.warnings.map(rename));
  return { ...claims, algorithms: [alg], keySource: { kind: 'static', keys: material.keys } };
}

/** One audience, or a list (the token's aud must hold one of them); a list of one is that one. */
function resolveAudience(value: unknown, check: OptionChecks): string | readonly string[] | undefined {
  if (!isSet(value)) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string' && entry.trim() !== '')) {
    const list = [...new Set(value as string[])];
    return list.length === 1 ? list[0] : list;
  }
  check.invalid(
    'audience',
    value,
    check.textual ? 'Must be one audience or a comma-separated list' : 'Must be a string or a non-empty list of strings',
  );
  return undefined;
}

/** A media type such as `at+jwt` or `application/at+jwt`: visible ASCII, no spaces. */
function resolveTokenType(value: unknown, check: OptionChecks): string | undefined {
  const typ = check.text('requireTyp', value);
  if (typ === undefined) return undefined;
  const trimmed = typ.trim();
  if (!/^[\x21-\x7e]+$/.test(trimmed) || normalizeTokenType(trimmed) === '') {
    check.invalid('requireTyp', value, 'Must be a token type such as "at+jwt" (RFC 9068): visible characters, no spaces');
    return undefined;
  }
  return trimmed;
}

/** One name or a list of them, as given; null when it is neither. */
function algorithmList(value: unknown): readonly unknown[] | undefined | null {
  if (!isSet(value)) return undefined;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value : null;
}

/** Static keys verify with exactly one algorithm. */
function oneAlgorithm(value: unknown, check: OptionChecks): Algorithm | undefined {
  const list = algorithmList(value);
  if (list === undefined) {
    check.error(`${check.name('algorithms')} not set`);
    return undefined;
  }
  if (list !== null && list.length === 1 && isAlgorithm(list[0])) return list[0];
  check.invalid('algorithms', value, `Must be one of [${quoted(ALGORITHMS)}]`);
  return undefined;
}

function quoted(names: readonly string[]): string {
  return names.map((name) => JSON.stringify(name)).join(', ');
}

function readKeyFile(path: string, check: OptionChecks): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    check.error(`${check.name('keyFile')} cannot be read: ${JSON.stringify(path)} (${why})`);
    return undefined;
  }
  if (text.trim() === '') {
    check.error(`${check.name('keyFile')} is empty: ${JSON.stringify(path)}`);
    return undefined;
  }
  return text;
}

/**
 * `jwksUrl` replaces `key`/`keyFile`; `algorithms` becomes an optional list (default:
 * every asymmetric one), and HS* is refused: a shared secret never comes from a key set.
 */
function resolveKeySet(
  options: RawOptions,
  url: string,
  isBase64: boolean,
  check: OptionChecks,
): Pick<SecureAuthConfig, 'algorithms' | 'keySource'> {
  for (const path of ['key', 'keyFile'] as const) {
    if (isSet(options[path])) check.error(`${check.name('jwksUrl')} and ${check.name(path)} are both set: use one of them`);
  }
  if (isBase64) {
    check.error(`${check.name('keyIsBase64')} applies only to an HS* ${check.name('key')}, not to ${check.name('jwksUrl')}`);
  }
  if (!isHttpUrl(url)) check.invalid('jwksUrl', url, 'Must be an http:// or https:// URL');

  return { algorithms: keySetAlgorithms(options.algorithms, check.name('jwksUrl'), check), keySource: { kind: 'jwks', url } };
}

/** The algorithms a key set may serve: a list of asymmetric ones (default: all of them). */
function keySetAlgorithms(value: unknown, source: string, check: OptionChecks): readonly Algorithm[] {
  const list = algorithmList(value);
  if (list === undefined) return KEY_SET_ALGORITHMS;
  if (list === null || list.length === 0) {
    check.invalid('algorithms', value, `Must be one of [${quoted(KEY_SET_ALGORITHMS)}]`);
    return [];
  }
  const algorithms: Algorithm[] = [];
  const algName = check.name('algorithms');
  for (const name of list) {
    if (!isAlgorithm(name)) {
      check.error(`${algName} has invalid value: ${check.literal(name)}. Must be one of [${quoted(KEY_SET_ALGORITHMS)}]`);
    } else if (isSymmetric(name)) {
      check.error(
        `${algName} has invalid value: ${check.literal(name)}. HS* keys are never taken from ${source}; with a key set it must be among [${quoted(KEY_SET_ALGORITHMS)}]`,
      );
    } else if (!algorithms.includes(name)) {
      algorithms.push(name);
    }
  }
  return algorithms;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
