import { parseNamespace } from '../core/namespace.js';
import type { RightsPaths } from '../core/rights.js';
import { isPlainObject, isSet, type OptionChecks, type RawOptions } from './option-checks.js';
import { isHttpUrl, resolveSecureKeys } from './resolve-keys.js';
import { MAX_ISSUERS, type InsecureAuthConfig, type IssuerAuthConfig, type IssuersAuthConfig, type SecureAuthConfig } from './settings.js';

// Several issuers and OpenID Connect discovery (docs/protocol.md §16): `issuers`
// (AUTH_JWT_ISSUERS), or `oidcIssuer` (AUTH_OIDC_ISSUER) for one issuer found by
// discovery. Each entry is checked as the single-issuer options are, its lines naming
// its place: `issuers[1].audience`, `AUTH_JWT_ISSUERS[1].audience`.

/** What `issuers` replaces: each issuer has its own. Setting one of them too is an error naming both. */
export const REPLACED_BY_ISSUERS = [
  'algorithms',
  'key',
  'keyFile',
  'jwksUrl',
  'keyIsBase64',
  'issuer',
  'audience',
  'requireTyp',
  'oidcIssuer',
] as const;
const ISSUER_KEYS = [
  'issuer',
  'jwksUrl',
  'key',
  'keyFile',
  'keyIsBase64',
  'algorithms',
  'audience',
  'requireTyp',
  'namespace',
  'scopesClaim',
  'rolesClaim',
  'channelsClaim',
];

type CommonAuth = Omit<InsecureAuthConfig, 'mode'>;
/** Reads `scopesClaim`, `rolesClaim`, `channelsClaim` of `options`, falling back to the top-level paths. */
export type RightsReader = (options: RawOptions, check: OptionChecks) => RightsPaths;

/** `oidcIssuer`: one issuer, tokens need its iss, keys by discovery. */
export function resolveOidcIssuer(options: RawOptions, common: CommonAuth, check: OptionChecks): SecureAuthConfig {
  const oidcIssuer = check.text('oidcIssuer', options.oidcIssuer)!;
  for (const path of ['issuer', 'key', 'keyFile', 'jwksUrl'] as const) {
    if (isSet(options[path])) {
      const why =
        path === 'issuer' ? `${check.name('oidcIssuer')} is the issuer too` : `${check.name('oidcIssuer')} finds the keys by discovery`;
      check.error(`${check.name('oidcIssuer')} and ${check.name(path)} are both set: use one of them (${why})`);
    }
  }
  checkDiscoveryUrl('oidcIssuer', oidcIssuer, check);
  const keys = resolveSecureKeys(
    { ...options, issuer: oidcIssuer, key: undefined, keyFile: undefined, jwksUrl: undefined },
    check,
    oidcIssuer,
  );
  return { mode: 'secure', ...common, ...keys };
}

/** `issuers`: up to MAX_ISSUERS entries, each its own SecureAuthConfig with its rights. */
export function resolveIssuers(options: RawOptions, common: CommonAuth, check: OptionChecks, readRights: RightsReader): IssuersAuthConfig {
  const name = check.name('issuers');
  for (const path of REPLACED_BY_ISSUERS) {
    if (isSet(options[path])) {
      check.error(
        `${name} and ${check.name(path)} are both set: with several issuers each has its own (${name}[0].${path === 'oidcIssuer' ? 'issuer' : path})`,
      );
    }
  }
  const list = issuerList(options.issuers, check);
  if (list.length > MAX_ISSUERS) check.error(`${name} has ${list.length} entries: at most ${MAX_ISSUERS}`);
  const issuers: IssuerAuthConfig[] = [];
  const seen = new Map<string, string>();
  list.slice(0, MAX_ISSUERS).forEach((entry, index) => {
    const place = `${name}[${index}]`;
    const nested = check.nested(place);
    if (!isPlainObject(entry)) {
      check.error(`${place} has invalid value: must be an object { issuer, jwksUrl? | key? | keyFile?, algorithms?, audience?, ... }`);
      return;
    }
    nested.unknownKeys(entry, ISSUER_KEYS);
    const issuer = nested.text('issuer', entry.issuer);
    if (issuer === undefined) {
      if (!isSet(entry.issuer)) nested.error(`${nested.name('issuer')} not set: the iss of this issuer's tokens`);
      return;
    }
    const earlier = seen.get(issuer);
    if (earlier !== undefined) nested.error(`${nested.name('issuer')} is the same as ${earlier}.issuer: list each issuer once`);
    seen.set(issuer, place);
    const discovery = !isSet(entry.jwksUrl) && !isSet(entry.key) && !isSet(entry.keyFile);
    if (discovery) checkDiscoveryUrl('issuer', issuer, nested);
    const keys = resolveSecureKeys(entry, nested, issuer);
    issuers.push({
      mode: 'secure',
      ...common,
      ...issuerNamespace(entry, common, nested),
      ...keys,
      issuer,
      rights: readRights(entry, nested),
      label: '',
      place,
    });
  });
  return { mode: 'secure', ...common, issuers: withLabels(issuers) };
}

function issuerList(value: unknown, check: OptionChecks): readonly unknown[] {
  let list = value;
  // From AUTH_JWT_ISSUERS: text that was not JSON; say where JSON.parse stopped.
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch (error) {
      check.error(`${check.name('issuers')} is not valid JSON (${(error as Error).message}): it must be a JSON array of issuer objects`);
      return [];
    }
  }
  if (!Array.isArray(list) || list.length === 0) {
    check.invalid('issuers', value, 'Must be a non-empty list of issuer objects [{ issuer, jwksUrl? | key? | keyFile?, ... }]');
    return [];
  }
  return list;
}

/** An issuer's own namespace, else the top-level one. */
function issuerNamespace(entry: RawOptions, common: CommonAuth, check: OptionChecks): Pick<CommonAuth, 'namespace' | 'namespaceSetting'> {
  const setting = check.text('namespace', entry.namespace);
  if (setting === undefined) return { namespace: common.namespace, namespaceSetting: common.namespaceSetting };
  const namespace = parseNamespace(setting);
  if (namespace instanceof Error) {
    check.invalid('namespace', setting, namespace.message);
    return { namespace: common.namespace, namespaceSetting: common.namespaceSetting };
  }
  return { namespace, namespaceSetting: setting };
}

/**
 * Discovery fetches `<issuer>/.well-known/openid-configuration`, so the issuer must be an
 * http(s) URL without query or fragment (OpenID Connect Discovery 1.0 §2).
 */
function checkDiscoveryUrl(path: string, issuer: string, check: OptionChecks): void {
  if (isHttpUrl(issuer) && !/[?#]/.test(issuer)) return;
  check.invalid(
    path,
    issuer,
    'With no key given the keys are found by OpenID Connect discovery, which needs an http:// or https:// URL without query or fragment',
  );
}

/**
 * How /health names each issuer: the host of its URL (of its key set when its iss is
 * not a URL), never the URL itself; `host (issuers[2])` when several share a host.
 */
function withLabels(issuers: readonly IssuerAuthConfig[]): IssuerAuthConfig[] {
  const hosts = issuers.map((entry) => hostOf(entry.issuer) ?? (entry.keySource.kind === 'jwks' ? hostOf(entry.keySource.url) : undefined));
  return issuers.map((entry, index) => {
    const host = hosts[index];
    const shared = host !== undefined && hosts.filter((other) => other === host).length > 1;
    const label = host === undefined ? entry.place : shared ? `${host} (${entry.place})` : host;
    return { ...entry, label };
  });
}

export function hostOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.host : undefined;
  } catch {
    return undefined;
  }
}
