import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import type { KeyObject } from 'node:crypto';
import { ALGORITHMS, isAlgorithm, isSymmetric, type Algorithm } from '../auth/algorithms.js';
import { parseNamespace, type NamespacePath } from '../auth/namespace.js';
import { loadPublicKeys, loadSecretKey, type KeyMaterial } from './key-material.js';

// The one schema of Gatehouse's configuration (contract section 2): every variable
// with its default and meaning, and the parser that checks them all and reports every
// problem at once, each line naming its variable.

export interface EnvVariable {
  readonly default?: string;
  readonly description: string;
}

export const ENV_VARIABLES = {
  PORT: { default: '3000', description: 'TCP port for REST and WebSocket alike' },
  HOST: { default: '0.0.0.0', description: 'address to listen on' },
  NODE_ENV: { description: 'production makes insecure mode refuse to start' },
  AUTH_MODE: { default: 'secure', description: 'secure (verify signatures) or insecure (development only)' },
  AUTH_JWT_NAMESPACE: {
    description: 'where the custom claims (sub among them) are: a JSON Pointer such as /app/claims, or one literal top-level key; unset: the payload itself',
  },
  AUTH_JWT_ALG: {
    description: `secure mode: the signing algorithm, one of ${ALGORITHMS.join(' ')}; with AUTH_JWT_JWKS_URL optional, a comma-separated list (default: every asymmetric one)`,
  },
  AUTH_JWT_KEY: {
    description: 'secure mode: HS* secret as text, or PEM public key(s) / X.509 certificate(s); one-line values with \\n escapes work',
  },
  AUTH_JWT_KEY_FILE: { description: 'secure mode: a file whose content is used as AUTH_JWT_KEY (mounted secrets)' },
  AUTH_JWT_JWKS_URL: {
    description: "secure mode: an http(s) URL of the identity provider's JSON Web Key Set, instead of AUTH_JWT_KEY; keys chosen by kid, refreshed in the background",
  },
  AUTH_JWT_KEY_IS_BASE64_ENCODED: { default: 'false', description: 'HS* only: AUTH_JWT_KEY is base64 (standard or URL-safe) and is decoded first' },
  AUTH_JWT_ISS: { description: 'secure mode: when set, tokens need an iss claim equal to it' },
  AUTH_JWT_AUD: { description: 'secure mode: when set, tokens need an aud claim equal to it (or an array holding it)' },
  AUTH_JWT_CLOCK_TOLERANCE: { default: '2', description: 'seconds of leeway for exp, nbf and iat (0 to 300)' },
  AUTH_MAX_TOKEN_BYTES: { default: '8192', description: 'longer tokens are token_malformed without being parsed (256 to 65536)' },
  AUTH_INSECURE_ALLOW_IN_PRODUCTION: { default: 'false', description: 'lets insecure mode start under NODE_ENV=production' },
  WS_AUTH_TIMEOUT_MS: { default: '5000', description: 'how long a WebSocket may stay open without authenticating' },
  WS_EXPIRY_NOTICE_SECONDS: { default: '30', description: 'how long before exp the server sends session_expiring' },
  WS_MAX_PAYLOAD_BYTES: { default: '65536', description: 'largest WebSocket frame accepted; larger ones close the socket with 1009' },
  WS_PING_INTERVAL_MS: { default: '30000', description: 'keepalive ping period; a peer that misses one pong is dropped' },
  // Operations (the README, "Operations"): logs, metrics, limits, HTTP hygiene, API docs.
  LOG_LEVEL: { default: 'info', description: 'fatal, error, warn, info, debug, trace or silent' },
  LOG_REQUESTS: { default: 'false', description: 'one access-log line per HTTP request (costs about 100 µs of CPU each; metrics count every request anyway)' },
  LOG_FORMAT: { default: 'auto', description: 'json, pretty, or auto (pretty when NODE_ENV is not production and stdout is a terminal)' },
  METRICS_ENABLED: { default: 'true', description: 'serve Prometheus metrics at GET /metrics (public, no token)' },
  API_DOCS_ENABLED: { default: 'true', description: 'serve the OpenAPI description at /api/docs (UI) and /api/docs/json' },
  AUTH_FAIL_LIMIT: { default: '30', description: 'failed authentications allowed per client address per window before 429; 0 disables' },
  AUTH_FAIL_WINDOW_SECONDS: { default: '60', description: 'length of the failed-authentication window (1 to 86400)' },
  AUTH_FAIL_MAX_ADDRESSES: { default: '10000', description: 'most client addresses tracked by the failure limiter; when full, new addresses are not tracked and tracked ones are kept until their window ends' },
  TRUST_PROXY: { default: 'false', description: 'false, true (one proxy), a hop count, or comma-separated proxy addresses/CIDRs; the client address is read from X-Forwarded-For right to left, past trusted proxies only' },
  CORS_ORIGINS: { description: 'comma-separated origins (https://app.example.com) allowed by CORS, or * for any; unset: CORS off' },
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV_VARIABLES;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];

/** Settings that only secure mode understands (insecure mode refuses them). */
const SECURE_ONLY: readonly EnvName[] = [
  'AUTH_JWT_ALG',
  'AUTH_JWT_KEY',
  'AUTH_JWT_KEY_FILE',
  'AUTH_JWT_JWKS_URL',
  'AUTH_JWT_KEY_IS_BASE64_ENCODED',
  'AUTH_JWT_ISS',
  'AUTH_JWT_AUD',
];

interface CommonAuthConfig {
  readonly namespace: NamespacePath;
  /** The raw AUTH_JWT_NAMESPACE, for messages and the token CLI. */
  readonly namespaceSetting: string | undefined;
  readonly clockTolerance: number;
  readonly maxTokenBytes: number;
}

export interface InsecureAuthConfig extends CommonAuthConfig {
  readonly mode: 'insecure';
}

/** AUTH_JWT_KEY or AUTH_JWT_KEY_FILE: keys known at startup, kid ignored, each one tried. */
export interface StaticKeysConfig {
  readonly kind: 'static';
  readonly keys: readonly KeyObject[];
}

/** AUTH_JWT_JWKS_URL: keys fetched from an identity provider and chosen by kid. */
export interface KeySetUrlConfig {
  readonly kind: 'jwks';
  readonly url: string;
}

export type KeySourceConfig = StaticKeysConfig | KeySetUrlConfig;

export interface SecureAuthConfig extends CommonAuthConfig {
  readonly mode: 'secure';
  /** The header algs accepted: AUTH_JWT_ALG itself with static keys; a list with a key set. */
  readonly algorithms: readonly Algorithm[];
  readonly keySource: KeySourceConfig;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

export type AuthConfig = InsecureAuthConfig | SecureAuthConfig;

export interface GatehouseConfig {
  readonly server: { readonly port: number; readonly host: string; readonly nodeEnv: string | undefined };
  readonly auth: AuthConfig;
  readonly ws: {
    readonly authTimeoutMs: number;
    readonly expiryNoticeSeconds: number;
    readonly maxPayloadBytes: number;
    readonly pingIntervalMs: number;
  };
  readonly ops: {
    readonly logLevel: LogLevelSetting;
    readonly logFormat: 'auto' | 'json' | 'pretty';
    readonly logRequests: boolean;
    readonly metricsEnabled: boolean;
    readonly docsEnabled: boolean;
  };
  readonly limits: {
    /** Failed authentications per address per window; 0: no limit. */
    readonly authFailLimit: number;
    readonly authFailWindowSeconds: number;
    readonly authFailMaxAddresses: number;
  };
  readonly http: {
    /** false, true (= 1 hop), a hop count, or proxy addresses/CIDRs (see limits/client-address.ts). */
    readonly trustProxy: boolean | number | string[];
    /** Empty: CORS off. ['*']: any origin. */
    readonly corsOrigins: readonly string[];
  };
  /** Printed once at startup: things that work but deserve attention. */
  readonly warnings: readonly string[];
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Every configuration problem, one line each; thrown by parseEnvironment. */
export class ConfigurationError extends Error {
  constructor(readonly lines: readonly string[]) {
    super(`Invalid configuration:\n${lines.join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

export function parseEnvironment(env: Environment): GatehouseConfig {
  const errors: string[] = [];
  const warnings: string[] = [];

  // A blank value counts as unset.
  const raw = (name: EnvName): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const oneOf = <T extends string>(name: EnvName, allowed: readonly T[], fallback: T): T => {
    const value = raw(name)?.trim();
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    errors.push(
      `${name} has invalid value: ${JSON.stringify(value)}. Must be one of [${allowed.map((a) => JSON.stringify(a)).join(', ')}]`,
    );
    return fallback;
  };
  const integer = (name: EnvName, min: number, max: number): number => {
    const fallback = Number((ENV_VARIABLES[name] as EnvVariable).default);
    const value = raw(name)?.trim();
    if (value === undefined) return fallback;
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) {
      return Number(value);
    }
    errors.push(
      `${name} has invalid value: ${JSON.stringify(value)}. Must be a whole number from ${min} to ${max}`,
    );
    return fallback;
  };
  const flag = (name: EnvName): boolean => {
    const value = raw(name)?.trim();
    if (value === undefined) return (ENV_VARIABLES[name] as EnvVariable).default === 'true';
    if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    errors.push(`${name} has invalid value: ${JSON.stringify(value)}. Must be one of ["true", "false"]`);
    return false;
  };

  const errorsBeforeMode = errors.length;
  const mode = oneOf('AUTH_MODE', ['secure', 'insecure'], 'secure');
  // With AUTH_MODE itself wrong, the checks that depend on the mode would only add
  // misleading lines ("AUTH_JWT_ALG not set" for someone who meant insecure).
  const modeKnown = errors.length === errorsBeforeMode;
  const nodeEnv = raw('NODE_ENV')?.trim();
  const namespaceSetting = raw('AUTH_JWT_NAMESPACE');
  const namespace = parseNamespace(namespaceSetting);
  if (namespace instanceof Error) {
    errors.push(`AUTH_JWT_NAMESPACE has invalid value: ${JSON.stringify(namespaceSetting)}. ${namespace.message}`);
  }
  const common: CommonAuthConfig = {
    namespace: namespace instanceof Error ? [] : namespace,
    namespaceSetting,
    clockTolerance: integer('AUTH_JWT_CLOCK_TOLERANCE', 0, 300),
    maxTokenBytes: integer('AUTH_MAX_TOKEN_BYTES', 256, 65536),
  };

  let auth: AuthConfig;
  if (mode === 'insecure') {
    for (const name of SECURE_ONLY) {
      if (raw(name) !== undefined) {
        errors.push(`${name} is not valid in Insecure auth mode. Did you forget to set AUTH_MODE=secure?`);
      }
    }
    const allowInProduction = flag('AUTH_INSECURE_ALLOW_IN_PRODUCTION');
    if (nodeEnv === 'production' && !allowInProduction) {
      errors.push(
        'AUTH_MODE=insecure refuses to start with NODE_ENV=production: it accepts unsigned tokens. Use AUTH_MODE=secure, or set AUTH_INSECURE_ALLOW_IN_PRODUCTION=true if you really mean it',
      );
    }
    warnings.push(
      'AUTH_MODE=insecure: token signatures are NOT verified and unsigned (alg "none") tokens are accepted. Never use this in production.',
    );
    auth = { mode, ...common };
  } else {
    flag('AUTH_INSECURE_ALLOW_IN_PRODUCTION');
    const keyErrors: string[] = [];
    auth = { mode, ...common, ...parseSecureKeys(raw, flag, keyErrors, warnings) };
    if (modeKnown) errors.push(...keyErrors);
  }

  const config: GatehouseConfig = {
    server: {
      port: integer('PORT', 0, 65535),
      host: raw('HOST')?.trim() ?? '0.0.0.0',
      nodeEnv,
    },
    auth,
    ws: {
      authTimeoutMs: integer('WS_AUTH_TIMEOUT_MS', 1, 600_000),
      expiryNoticeSeconds: integer('WS_EXPIRY_NOTICE_SECONDS', 0, 86_400),
      maxPayloadBytes: integer('WS_MAX_PAYLOAD_BYTES', 1024, 16 * 1024 * 1024),
      pingIntervalMs: integer('WS_PING_INTERVAL_MS', 10, 3_600_000),
    },
    ops: {
      logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
      logFormat: oneOf('LOG_FORMAT', ['auto', 'json', 'pretty'], 'auto'),
      logRequests: flag('LOG_REQUESTS'),
      metricsEnabled: flag('METRICS_ENABLED'),
      docsEnabled: flag('API_DOCS_ENABLED'),
    },
    limits: {
      authFailLimit: integer('AUTH_FAIL_LIMIT', 0, 1_000_000),
      authFailWindowSeconds: integer('AUTH_FAIL_WINDOW_SECONDS', 1, 86_400),
      authFailMaxAddresses: integer('AUTH_FAIL_MAX_ADDRESSES', 100, 10_000_000),
    },
    http: {
      trustProxy: parseTrustProxy(raw('TRUST_PROXY'), errors),
      corsOrigins: parseCorsOrigins(raw('CORS_ORIGINS'), errors),
    },
    warnings,
  };
  if (errors.length > 0) throw new ConfigurationError(errors);
  return config;
}

function parseSecureKeys(
  raw: (name: EnvName) => string | undefined,
  flag: (name: EnvName) => boolean,
  errors: string[],
  warnings: string[],
): Pick<SecureAuthConfig, 'algorithms' | 'keySource' | 'issuer' | 'audience'> {
  const issuer = raw('AUTH_JWT_ISS')?.trim();
  const audience = raw('AUTH_JWT_AUD')?.trim();
  const isBase64 = flag('AUTH_JWT_KEY_IS_BASE64_ENCODED');
  const algSetting = raw('AUTH_JWT_ALG')?.trim();
  const jwksUrl = raw('AUTH_JWT_JWKS_URL')?.trim();
  if (jwksUrl !== undefined) {
    return { issuer, audience, ...parseKeySetSettings(raw, jwksUrl, algSetting, isBase64, errors) };
  }
  const none = { algorithms: [], keySource: { kind: 'static', keys: [] } as StaticKeysConfig, issuer, audience };

  if (algSetting === undefined) {
    errors.push('AUTH_JWT_ALG not set');
  } else if (!isAlgorithm(algSetting)) {
    errors.push(invalidAlgorithm(algSetting, ALGORITHMS));
  }

  const keyText = raw('AUTH_JWT_KEY');
  const keyFile = raw('AUTH_JWT_KEY_FILE')?.trim();
  let key: string | undefined = keyText;
  let source = 'AUTH_JWT_KEY';
  if (keyText !== undefined && keyFile !== undefined) {
    errors.push('AUTH_JWT_KEY_FILE and AUTH_JWT_KEY are both set: use one of them');
    return none;
  }
  if (keyFile !== undefined) {
    source = 'AUTH_JWT_KEY_FILE';
    try {
      key = readFileSync(keyFile, 'utf8');
    } catch (error) {
      errors.push(`AUTH_JWT_KEY_FILE cannot be read: ${JSON.stringify(keyFile)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return none;
    }
    if (key.trim() === '') {
      errors.push(`AUTH_JWT_KEY_FILE is empty: ${JSON.stringify(keyFile)}`);
      return none;
    }
    // Files usually end with a newline that is not part of an HS* secret.
    if (algSetting && isAlgorithm(algSetting) && isSymmetric(algSetting)) key = key.replace(/\r?\n$/, '');
  }
  if (key === undefined) {
    errors.push('AUTH_JWT_KEY not set');
    return none;
  }
  if (algSetting === undefined || !isAlgorithm(algSetting)) return none;

  let material: KeyMaterial;
  if (isSymmetric(algSetting)) {
    material = loadSecretKey(algSetting, key, isBase64, source);
  } else {
    if (isBase64) {
      errors.push(
        `AUTH_JWT_KEY_IS_BASE64_ENCODED applies only to HS* algorithms; for AUTH_JWT_ALG=${algSetting} give the PEM itself (a one-line value with \\n escapes works)`,
      );
      return none;
    }
    material = loadPublicKeys(algSetting, key, source);
  }
  errors.push(...material.errors);
  warnings.push(...material.warnings);
  return { algorithms: [algSetting], keySource: { kind: 'static', keys: material.keys }, issuer, audience };
}

function invalidAlgorithm(value: string, allowed: readonly Algorithm[]): string {
  return `AUTH_JWT_ALG has invalid value: ${JSON.stringify(value)}. Must be one of [${allowed.map((a) => JSON.stringify(a)).join(', ')}]`;
}

/** Every asymmetric algorithm of section 2: what a key set may serve. */
export const KEY_SET_ALGORITHMS: readonly Algorithm[] = ALGORITHMS.filter((alg) => !isSymmetric(alg));

/**
 * AUTH_JWT_JWKS_URL replaces AUTH_JWT_KEY(_FILE); AUTH_JWT_ALG becomes an optional
 * comma-separated list, and HS* is refused: a shared secret never comes from a key set.
 */
function parseKeySetSettings(
  raw: (name: EnvName) => string | undefined,
  url: string,
  algSetting: string | undefined,
  isBase64: boolean,
  errors: string[],
): Pick<SecureAuthConfig, 'algorithms' | 'keySource'> {
  for (const name of ['AUTH_JWT_KEY', 'AUTH_JWT_KEY_FILE'] as const) {
    if (raw(name) !== undefined) errors.push(`AUTH_JWT_JWKS_URL and ${name} are both set: use one of them`);
  }
  if (isBase64) {
    errors.push('AUTH_JWT_KEY_IS_BASE64_ENCODED applies only to an HS* AUTH_JWT_KEY, not to AUTH_JWT_JWKS_URL');
  }
  if (!isHttpUrl(url)) {
    errors.push(`AUTH_JWT_JWKS_URL has invalid value: ${JSON.stringify(url)}. Must be an http:// or https:// URL`);
  }
  const algorithms: Algorithm[] = [];
  for (const name of (algSetting ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    if (!isAlgorithm(name)) {
      errors.push(invalidAlgorithm(name, KEY_SET_ALGORITHMS));
    } else if (isSymmetric(name)) {
      errors.push(
        `AUTH_JWT_ALG has invalid value: ${JSON.stringify(name)}. HS* keys are never taken from AUTH_JWT_JWKS_URL; with a key set it must be among [${KEY_SET_ALGORITHMS.map((a) => JSON.stringify(a)).join(', ')}]`,
      );
    } else if (!algorithms.includes(name)) {
      algorithms.push(name);
    }
  }
  return {
    algorithms: algorithms.length > 0 ? algorithms : KEY_SET_ALGORITHMS,
    keySource: { kind: 'jwks', url },
  };
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** TRUST_PROXY: false, true (one hop), a hop count, or proxy addresses/CIDRs. */
function parseTrustProxy(value: string | undefined, errors: string[]): boolean | number | string[] {
  const text = value?.trim();
  if (text === undefined || /^false$/i.test(text)) return false;
  if (/^true$/i.test(text)) return true;
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 100) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  // IPv4/IPv6 addresses or CIDRs (written the usual way: not 1.2.3 or 0x7f.1, which
  // proxy-addr would read as some other address); proxy-addr also knows loopback,
  // linklocal, uniquelocal. Its parser checks the rest, so nothing throws at startup.
  const bad = entries.filter((entry) => {
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(entry);
    if (!named && isIP(entry.split('/')[0]) === 0) return true;
    try {
      proxyAddr.compile(entry);
      return false;
    } catch {
      return true;
    }
  });
  if (entries.length === 0 || bad.length > 0) {
    errors.push(
      `TRUST_PROXY has invalid value: ${JSON.stringify(text)}. Must be true, false, a hop count from 1 to 100, or comma-separated IP addresses/CIDRs`,
    );
    return false;
  }
  return entries;
}

/** CORS_ORIGINS: `*`, or origins written as browsers send them (scheme://host[:port]). */
function parseCorsOrigins(value: string | undefined, errors: string[]): string[] {
  const entries = (value ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 1 && entries[0] === '*') return ['*'];
  const bad = entries.filter((entry) => {
    try {
      const url = new URL(entry);
      return url.origin !== entry.replace(/\/$/, '') || !/^https?:$/.test(url.protocol);
    } catch {
      return true;
    }
  });
  if (bad.length > 0) {
    errors.push(
      `CORS_ORIGINS has invalid value: ${JSON.stringify(bad[0])}. Must be * or comma-separated origins such as https://app.example.com`,
    );
    return [];
  }
  return entries.map((entry) => entry.replace(/\/$/, ''));
}
