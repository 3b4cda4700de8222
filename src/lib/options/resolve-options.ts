import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import { parseNamespace, type NamespacePath } from '../core/namespace.js';
import { DEFAULT_RIGHTS_PATHS, parseClaimPath, type RightsPaths } from '../core/rights.js';
import type { GatehouseOptions } from './gatehouse-options.js';
import { isPlainObject, isSet, OptionChecks, type RawOptions } from './option-checks.js';
import { OPTION_NAMING, showValue, type OptionNaming, type OptionPath } from './option-naming.js';
import { resolveSecureKeys } from './resolve-keys.js';
import { REPLACED_BY_ISSUERS, resolveIssuers, resolveOidcIssuer } from './resolve-issuers.js';
import type {
  AuthConfig,
  CustomAuthConfig,
  FailureLimitSettings,
  GatehouseSettings,
  InsecureAuthConfig,
  RevocationSettings,
  WsSettings,
} from './settings.js';

export { KEY_SET_ALGORITHMS } from './resolve-keys.js';

// GatehouseOptions → GatehouseSettings: defaults filled in, every option checked, keys
// loaded. Every problem is reported at once, one line each naming its option, in a
// ConfigurationError; the same function words the environment's lines (see
// options-from-env.ts), so both read alike.

export const DEFAULTS = {
  clockTolerance: 2,
  maxTokenBytes: 8192,
  globalGuard: true,
  trustProxy: false,
  failureLimit: { limit: 30, windowSeconds: 60, maxAddresses: 10_000 },
  ws: {
    path: '/ws',
    authTimeoutMs: 5000,
    expiryNoticeSeconds: 30,
    maxPayloadBytes: 65_536,
    pingIntervalMs: 30_000,
    maxSocketsPerSub: 100,
    maxBufferedBytes: 1_048_576,
    maxPendingFrames: 32,
    maxFramesPerSecond: 50,
    maxPendingPerAddress: 100,
  },
} as const;

/** The whole numbers each numeric option accepts, inclusive. */
export const RANGES = {
  clockTolerance: [0, 300],
  maxTokenBytes: [256, 65_536],
  'failureLimit.limit': [0, 1_000_000], // 0: no limit
  'failureLimit.windowSeconds': [1, 86_400],
  'failureLimit.maxAddresses': [100, 10_000_000],
  'ws.authTimeoutMs': [1, 600_000],
  'ws.expiryNoticeSeconds': [0, 86_400],
  'ws.maxPayloadBytes': [1024, 16 * 1024 * 1024],
  'ws.pingIntervalMs': [10, 3_600_000],
  'ws.maxSocketsPerSub': [1, 100_000],
  'ws.maxBufferedBytes': [1024, 1024 * 1024 * 1024],
  'ws.maxPendingFrames': [0, 1024],
  'ws.maxFramesPerSecond': [1, 100_000],
  'ws.maxPendingPerAddress': [1, 1_000_000],
  'revocation.maxTokenLifetimeSeconds': [60, 10 * 365 * 86_400],
  'revocation.maxEntries': [1, 100_000_000],
} as const satisfies Partial<Record<OptionPath, readonly [number, number]>>;

/** NODE_ENV says production: `production` or `prod`, in any case, spaces around ignored. */
export function isProduction(nodeEnv: string | undefined): boolean {
  const value = nodeEnv?.trim().toLowerCase();
  return value === 'production' || value === 'prod';
}

/** The options of the JWT strategies, refused with a custom verifier. */
const TOKEN_OPTIONS = ['namespace', 'clockTolerance', 'maxTokenBytes'] as const;
/** What only secure mode understands (insecure mode refuses them). */
const SECURE_ONLY = [...REPLACED_BY_ISSUERS, 'issuers'] as const;
const HOST_OPTIONS = [
  'globalGuard',
  'failureLimit',
  'trustProxy',
  'ws',
  'revocation',
  'redisUrl',
  'scopesClaim',
  'rolesClaim',
  'channelsClaim',
  'redisPrefix',
] as const;
const ALL_OPTIONS: readonly string[] = ['mode', 'verifier', 'allowInProduction', ...TOKEN_OPTIONS, ...SECURE_ONLY, ...HOST_OPTIONS];

export function resolveOptions(
  options: GatehouseOptions,
  naming: OptionNaming = OPTION_NAMING,
  nodeEnv: string | undefined = process.env.NODE_ENV,
): GatehouseSettings {
  const check = new OptionChecks(naming);
  // Checked as untyped input: options often come from plain JavaScript or a ConfigService.
  const raw: unknown = options;
  if (!isPlainObject(raw)) {
    check.error(`Gatehouse options must be an object, got ${raw === null ? 'null' : typeof raw}`);
    check.throwIfAny();
  }
  const given = raw as RawOptions;
  const settings: GatehouseSettings = {
    auth: resolveAuth(given, check, nodeEnv),
    ws: resolveWs(given.ws, check),
    failureLimit: resolveFailureLimit(given.failureLimit, check),
    trustProxy: resolveTrustProxy(given.trustProxy, check),
    globalGuard: check.flag('globalGuard', given.globalGuard, DEFAULTS.globalGuard),
    revocation: resolveRevocation(given.revocation, check),
    redisUrl: resolveRedisUrl(given.redisUrl, check),
    rights: resolveRights(given, check),
    redisPrefix: resolveRedisPrefix(given.redisPrefix, check),
    warnings: check.warnings,
  };
  check.unknownKeys(given, ALL_OPTIONS);
  check.throwIfAny();
  return settings;
}

function resolveAuth(options: RawOptions, check: OptionChecks, nodeEnv: string | undefined): AuthConfig {
  if (options.verifier !== undefined || options.mode === 'custom') return resolveCustom(options, check);
  const mode = options.mode;
  if (mode === undefined) {
    check.error(`${check.name('mode')} not set: must be "secure" or "insecure", or give a verifier`);
  } else {
    check.oneOf('mode', mode, ['secure', 'insecure']);
  }
  const common = resolveTokenOptions(options, check);
  if (mode === 'insecure') return resolveInsecure(options, common, check, nodeEnv);
  if (mode === 'secure') {
    // Several issuers, or one found by discovery (docs/protocol.md §16); each issuer's
    // claim options fall back to the top-level ones (reported, if bad, by resolveRights).
    if (isSet(options.issuers)) {
      const defaults = resolveRights(options, new OptionChecks(OPTION_NAMING));
      return resolveIssuers(options, common, check, (entry, nested) => resolveRights(entry, nested, defaults));
    }
    if (isSet(options.oidcIssuer)) return resolveOidcIssuer(options, common, check);
    return { mode, ...common, ...resolveSecureKeys(options, check) };
  }
  // No known mode: the checks that depend on it would only add misleading lines
  // ("algorithms not set" for someone who meant insecure). Types are still checked.
  check.flag('allowInProduction', options.allowInProduction, false);
  check.flag('keyIsBase64', options.keyIsBase64, false);
  return { mode: 'insecure', ...common };
}

function resolveTokenOptions(options: RawOptions, check: OptionChecks): Omit<InsecureAuthConfig, 'mode'> {
  const namespaceSetting = check.text('namespace', options.namespace);
  const namespace = parseNamespace(namespaceSetting);
  if (namespace instanceof Error) check.invalid('namespace', namespaceSetting, namespace.message);
  return {
    namespace: namespace instanceof Error ? [] : namespace,
    namespaceSetting,
    clockTolerance: check.integer('clockTolerance', options.clockTolerance, RANGES.clockTolerance, DEFAULTS.clockTolerance),
    maxTokenBytes: check.integer('maxTokenBytes', options.maxTokenBytes, RANGES.maxTokenBytes, DEFAULTS.maxTokenBytes),
  };
}

function resolveInsecure(
  options: RawOptions,
  common: Omit<InsecureAuthConfig, 'mode'>,
  check: OptionChecks,
  nodeEnv: string | undefined,
): InsecureAuthConfig {
  const mode = check.name('mode');
  for (const path of SECURE_ONLY) {
    if (isSet(options[path])) {
      check.error(`${check.name(path)} is not valid in Insecure auth mode. Did you forget to set ${mode}=secure?`);
    }
  }
  const allowInProduction = check.flag('allowInProduction', options.allowInProduction, false);
  if (isProduction(nodeEnv) && !allowInProduction) {
    check.error(
      `${mode}=insecure refuses to start with NODE_ENV=${nodeEnv!.trim()}: it accepts unsigned tokens. Use ${mode}=secure, or set ${check.name('allowInProduction')}=true if you really mean it`,
    );
  }
  check.warnings.push(
    `${mode}=insecure: token signatures are NOT verified and unsigned (alg "none") tokens are accepted. Never use this in production.`,
  );
  return { mode: 'insecure', ...common };
}

/** A verifier of the host app's own: the JWT options mean nothing to it. */
function resolveCustom(options: RawOptions, check: OptionChecks): CustomAuthConfig {
  const mode = options.mode;
  if (mode !== undefined && mode !== 'custom') {
    check.error(
      `${check.name('verifier')} is not valid in ${typeof mode === 'string' ? mode : showValue(mode)} mode: leave ${check.name('mode')} unset (or "custom") to check tokens with your own verifier`,
    );
  } else if (options.verifier === undefined) {
    check.error(`${check.name('verifier')} not set: ${check.name('mode')}="custom" needs a verifier class`);
  } else if (typeof options.verifier !== 'function') {
    check.invalid('verifier', options.verifier, 'Must be a class implementing TokenVerifier');
  }
  if (mode === undefined || mode === 'custom') {
    for (const path of [...TOKEN_OPTIONS, 'allowInProduction', ...SECURE_ONLY] as const) {
      if (isSet(options[path])) check.error(`${check.name(path)} is not valid with a custom verifier: the verifier checks tokens itself`);
    }
  }
  return { mode: 'custom', verifier: options.verifier as CustomAuthConfig['verifier'] };
}

function resolveWs(value: unknown, check: OptionChecks): WsSettings | false {
  if (value === false) return false;
  if (value === undefined) return DEFAULTS.ws;
  if (!isPlainObject(value)) {
    check.invalid('ws', value, 'Must be an object of WebSocket settings, or false');
    return DEFAULTS.ws;
  }
  check.unknownKeys(value, Object.keys(DEFAULTS.ws), 'ws.');
  const number = (key: Exclude<keyof WsSettings, 'path'>) => check.integer(`ws.${key}`, value[key], RANGES[`ws.${key}`], DEFAULTS.ws[key]);
  return {
    path: resolveWsPath(value.path, check),
    authTimeoutMs: number('authTimeoutMs'),
    expiryNoticeSeconds: number('expiryNoticeSeconds'),
    maxPayloadBytes: number('maxPayloadBytes'),
    pingIntervalMs: number('pingIntervalMs'),
    maxSocketsPerSub: number('maxSocketsPerSub'),
    maxBufferedBytes: number('maxBufferedBytes'),
    maxPendingFrames: number('maxPendingFrames'),
    maxFramesPerSecond: number('maxFramesPerSecond'),
    maxPendingPerAddress: number('maxPendingPerAddress'),
  };
}

function resolveWsPath(value: unknown, check: OptionChecks): string {
  const path = check.text('ws.path', value);
  if (path === undefined) return DEFAULTS.ws.path;
  // A URL path as the upgrade request carries it: no query, fragment or spaces.
  if (!/^\/[^\s?#]*$/.test(path)) {
    check.invalid('ws.path', path, 'Must be a path that starts with / (no spaces, ? or #)');
    return DEFAULTS.ws.path;
  }
  return path;
}

function resolveFailureLimit(value: unknown, check: OptionChecks): FailureLimitSettings {
  const defaults = DEFAULTS.failureLimit;
  if (value === false) return { ...defaults, limit: 0 };
  if (value === undefined) return defaults;
  if (!isPlainObject(value)) {
    check.invalid('failureLimit', value, 'Must be an object { limit, windowSeconds, maxAddresses }, or false');
    return defaults;
  }
  check.unknownKeys(value, Object.keys(defaults), 'failureLimit.');
  const number = (key: keyof FailureLimitSettings) =>
    check.integer(`failureLimit.${key}`, value[key], RANGES[`failureLimit.${key}`], defaults[key]);
  return { limit: number('limit'), windowSeconds: number('windowSeconds'), maxAddresses: number('maxAddresses') };
}

/**
 * An address or CIDR written the usual way (not 1.2.3 or 0x7f.1, which proxy-addr would
 * read as some other address), or one of proxy-addr's names: loopback, linklocal,
 * uniquelocal. Its parser checks the rest, so nothing throws later.
 */
function isProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  if (isIP(entry.split('/')[0]) === 0) return false;
  try {
    proxyAddr.compile(entry);
    return true;
  } catch {
    return false;
  }
}

function resolveTrustProxy(value: unknown, check: OptionChecks): boolean | number | readonly string[] {
  if (value === undefined) return DEFAULTS.trustProxy;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 100) return value;
  const entries = Array.isArray(value) ? (value as unknown[]) : [];
  const valid = (entry: unknown) => typeof entry === 'string' && isProxyEntry(entry);
  if (entries.length > 0 && entries.every(valid)) return [...(entries as string[])];
  const list = check.textual ? 'comma-separated IP addresses/CIDRs' : 'a list of IP addresses/CIDRs';
  check.invalid('trustProxy', value, `Must be true, false, a hop count from 1 to 100, or ${list}`);
  return DEFAULTS.trustProxy;
}

// Revocation (docs/protocol.md §11).

export const REVOCATION_DEFAULTS: RevocationSettings = { dataDir: './data', maxTokenLifetimeSeconds: null, maxEntries: 1_000_000 };
export const DEFAULT_REDIS_PREFIX = 'gatehouse:';

function resolveRevocation(value: unknown, check: OptionChecks): RevocationSettings | false {
  if (value === false) return false;
  if (value === undefined) return REVOCATION_DEFAULTS;
  if (!isPlainObject(value)) {
    check.invalid('revocation', value, 'Must be an object { dataDir, maxTokenLifetimeSeconds, maxEntries }, or false');
    return REVOCATION_DEFAULTS;
  }
  check.unknownKeys(value, ['dataDir', 'maxTokenLifetimeSeconds', 'maxEntries'], 'revocation.');
  const path = 'revocation.maxTokenLifetimeSeconds';
  // 0: unset, or a bad value (reported).
  const lifetime = check.integer(path, value.maxTokenLifetimeSeconds, RANGES[path], 0);
  return {
    dataDir: check.text('revocation.dataDir', value.dataDir) ?? REVOCATION_DEFAULTS.dataDir,
    maxTokenLifetimeSeconds: lifetime === 0 ? null : lifetime,
    maxEntries: check.integer('revocation.maxEntries', value.maxEntries, RANGES['revocation.maxEntries'], REVOCATION_DEFAULTS.maxEntries),
  };
}

/** A redis:// or rediss:// URL. Never quoted back: it may hold a password. */
function resolveRedisUrl(value: unknown, check: OptionChecks): string | undefined {
  const text = check.text('redisUrl', value);
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text.trim());
  } catch {
    url = undefined;
  }
  if (url === undefined || !['redis:', 'rediss:'].includes(url.protocol) || url.hostname === '') {
    check.error(
      `${check.name('redisUrl')} has invalid value. Must be a redis:// or rediss:// URL: redis://[[user]:password@]host[:port][/db]`,
    );
    return undefined;
  }
  return text.trim();
}

// Authorization (docs/protocol.md §15): where rights are read, in every mode (a custom
// verifier's sessions are read from their claims).

function resolveRights(options: RawOptions, check: OptionChecks, defaults: RightsPaths = DEFAULT_RIGHTS_PATHS): RightsPaths {
  const path = (option: 'scopesClaim' | 'rolesClaim' | 'channelsClaim', fallback: NamespacePath | undefined) => {
    const text = check.text(option, options[option]);
    if (text === undefined || text === '') return fallback;
    const parsed = parseClaimPath(text, []);
    if (parsed instanceof Error) {
      check.invalid(option, text, parsed.message);
      return fallback;
    }
    return parsed.length === 0 ? fallback : parsed;
  };
  return {
    scopes: path('scopesClaim', defaults.scopes),
    roles: path('rolesClaim', defaults.roles)!,
    channels: path('channelsClaim', defaults.channels)!,
  };
}

/**
 * What starts every Gatehouse key and channel name in Redis: deployments sharing one Redis
 * (database) keep apart by it. Printable, no spaces: it shows in key names and logs.
 */
function resolveRedisPrefix(value: unknown, check: OptionChecks): string {
  const text = check.text('redisPrefix', value);
  if (text === undefined) return DEFAULT_REDIS_PREFIX;
  if (!/^[\x21-\x7e]{1,100}$/.test(text)) {
    check.invalid('redisPrefix', text, 'Must be 1 to 100 printable ASCII characters without spaces, such as "shop:"');
    return DEFAULT_REDIS_PREFIX;
  }
  return text;
}
