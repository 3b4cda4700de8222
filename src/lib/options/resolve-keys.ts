import { readFileSync } from 'node:fs';
import { ALGORITHMS, isAlgorithm, isSymmetric, type Algorithm } from '../core/algorithms.js';
import { loadPublicKeys, loadSecretKey, type KeyMaterial } from '../keys/key-material.js';
import { isSet, type OptionChecks, type RawOptions } from './option-checks.js';
import type { SecureAuthConfig, StaticKeysConfig } from './settings.js';

// Secure mode's keys (docs/protocol.md §2 and §8): `key` or `keyFile` with one
// algorithm, or `jwksUrl` with a list of asymmetric ones. Never both sources.

type SecureKeys = Pick<SecureAuthConfig, 'algorithms' | 'keySource' | 'issuer' | 'audience'>;

/** Every asymmetric algorithm: what a key set may serve (an HS* secret never comes from one). */
export const KEY_SET_ALGORITHMS: readonly Algorithm[] = ALGORITHMS.filter((alg) => !isSymmetric(alg));

export function resolveSecureKeys(options: RawOptions, check: OptionChecks): SecureKeys {
  const issuer = check.text('issuer', options.issuer);
  const audience = check.text('audience', options.audience);
  const isBase64 = check.flag('keyIsBase64', options.keyIsBase64, false);
  const jwksUrl = check.text('jwksUrl', options.jwksUrl);
  if (jwksUrl !== undefined) {
    return { issuer, audience, ...resolveKeySet(options, jwksUrl, isBase64, check) };
  }
  const none = { algorithms: [], keySource: { kind: 'static', keys: [] } as StaticKeysConfig, issuer, audience };

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
  return { algorithms: [alg], keySource: { kind: 'static', keys: material.keys }, issuer, audience };
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

  const list = algorithmList(options.algorithms);
  if (list === undefined) return { algorithms: KEY_SET_ALGORITHMS, keySource: { kind: 'jwks', url } };
  if (list === null || list.length === 0) {
    check.invalid('algorithms', options.algorithms, `Must be one of [${quoted(KEY_SET_ALGORITHMS)}]`);
    return { algorithms: [], keySource: { kind: 'jwks', url } };
  }
  const algorithms: Algorithm[] = [];
  const algName = check.name('algorithms');
  for (const name of list) {
    if (!isAlgorithm(name)) {
      check.error(`${algName} has invalid value: ${check.literal(name)}. Must be one of [${quoted(KEY_SET_ALGORITHMS)}]`);
    } else if (isSymmetric(name)) {
      check.error(
        `${algName} has invalid value: ${check.literal(name)}. HS* keys are never taken from ${check.name('jwksUrl')}; with a key set it must be among [${quoted(KEY_SET_ALGORITHMS)}]`,
      );
    } else if (!algorithms.includes(name)) {
      algorithms.push(name);
    }
  }
  return { algorithms, keySource: { kind: 'jwks', url } };
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
