import { ALGORITHMS } from '../core/algorithms.js';
import type { GatehouseOptions } from './gatehouse-options.js';
import type { OptionNaming, OptionPath } from './option-naming.js';
import { DEFAULT_REDIS_PREFIX, DEFAULTS, RANGES, resolveOptions, REVOCATION_DEFAULTS } from './resolve-options.js';
import type { GatehouseSettings } from './settings.js';

// The variables of docs/protocol.md §2, §8 and §10 as GatehouseModule options. The
// variables are only converted here; resolveOptions checks them, naming each variable
// and showing the text that was set, so the lines read as they always have.

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * How a variable's text becomes an option value. Text that does not convert is passed
 * on as it is, for resolveOptions to refuse.
 */
type Conversion =
  | 'text' // as written (a secret, a namespace: spaces may matter)
  | 'word' // trimmed
  | 'integer'
  | 'flag' // true or false, in any case
  | 'list' // comma-separated
  | 'json' // a JSON value (AUTH_JWT_ISSUERS)
  | 'proxies'; // false, true, a hop count, or comma-separated addresses

export interface EnvVariable {
  readonly default?: string;
  readonly description: string;
}

interface GatehouseEnvVariable extends EnvVariable {
  readonly option: OptionPath;
  readonly conversion: Conversion;
}

const number = (path: keyof typeof RANGES) => `${RANGES[path][0]} to ${RANGES[path][1]}`;

export const GATEHOUSE_ENV_VARIABLES = {
  AUTH_MODE: {
    option: 'mode',
    conversion: 'word',
    default: 'secure',
    description: 'secure (verify signatures) or insecure (development only)',
  },
  AUTH_JWT_NAMESPACE: {
    option: 'namespace',
    conversion: 'text',
    description:
      'where the custom claims (sub among them) are: a JSON Pointer such as /app/claims, or one literal top-level key; unset: the payload itself',
  },
  AUTH_JWT_ALG: {
    option: 'algorithms',
    conversion: 'list',
    description: `secure mode: the signing algorithm, one of ${ALGORITHMS.join(' ')}; with AUTH_JWT_JWKS_URL optional, a comma-separated list (default: every asymmetric one)`,
  },
  AUTH_JWT_KEY: {
    option: 'key',
    conversion: 'text',
    description: 'secure mode: HS* secret as text, or PEM public key(s) / X.509 certificate(s); one-line values with \\n escapes work',
  },
  AUTH_JWT_KEY_FILE: {
    option: 'keyFile',
    conversion: 'word',
    description: 'secure mode: a file whose content is used as AUTH_JWT_KEY (mounted secrets)',
  },
  AUTH_JWT_JWKS_URL: {
    option: 'jwksUrl',
    conversion: 'word',
    description:
      "secure mode: an http(s) URL of the identity provider's JSON Web Key Set, instead of AUTH_JWT_KEY; keys chosen by kid, refreshed in the background",
  },
  AUTH_JWT_KEY_IS_BASE64_ENCODED: {
    option: 'keyIsBase64',
    conversion: 'flag',
    default: 'false',
    description: 'HS* only: AUTH_JWT_KEY is base64 (standard or URL-safe) and is decoded first',
  },
  AUTH_JWT_ISS: { option: 'issuer', conversion: 'word', description: 'secure mode: when set, tokens need an iss claim equal to it' },
  AUTH_JWT_AUD: {
    option: 'audience',
    conversion: 'list',
    description:
      'secure mode: when set, tokens need an aud claim equal to it (or an array holding it); a comma-separated list: the aud must hold at least one of them',
  },
  // Several issuers and OpenID Connect discovery (docs/protocol.md §16).
  AUTH_JWT_REQUIRE_TYP: {
    option: 'requireTyp',
    conversion: 'word',
    description:
      "secure mode: the token header's typ must be this (e.g. at+jwt, RFC 9068), compared without case or an application/ prefix",
  },
  AUTH_OIDC_ISSUER: {
    option: 'oidcIssuer',
    conversion: 'word',
    description:
      'secure mode, one issuer found by OpenID Connect discovery: tokens need this iss, keys from the jwks_uri of <issuer>/.well-known/openid-configuration; instead of AUTH_JWT_ISS and AUTH_JWT_KEY/AUTH_JWT_KEY_FILE/AUTH_JWT_JWKS_URL',
  },
  AUTH_JWT_ISSUERS: {
    option: 'issuers',
    conversion: 'json',
    description:
      'secure mode, several issuers: a JSON array (up to 100) of {"issuer", "jwksUrl" | "key" | "keyFile" (none: discovery), "algorithms", "audience", "requireTyp", "namespace", "scopesClaim", "rolesClaim", "channelsClaim"}; instead of AUTH_JWT_ALG, AUTH_JWT_KEY*, AUTH_JWT_JWKS_URL, AUTH_JWT_ISS, AUTH_JWT_AUD, AUTH_JWT_REQUIRE_TYP, AUTH_OIDC_ISSUER',
  },
  AUTH_JWT_CLOCK_TOLERANCE: {
    option: 'clockTolerance',
    conversion: 'integer',
    default: String(DEFAULTS.clockTolerance),
    description: `seconds of leeway for exp, nbf and iat (${number('clockTolerance')})`,
  },
  AUTH_MAX_TOKEN_BYTES: {
    option: 'maxTokenBytes',
    conversion: 'integer',
    default: String(DEFAULTS.maxTokenBytes),
    description: `longer tokens are token_malformed without being parsed (${number('maxTokenBytes')})`,
  },
  AUTH_INSECURE_ALLOW_IN_PRODUCTION: {
    option: 'allowInProduction',
    conversion: 'flag',
    default: 'false',
    description: 'lets insecure mode start under NODE_ENV=production (or prod)',
  },
  WS_AUTH_TIMEOUT_MS: {
    option: 'ws.authTimeoutMs',
    conversion: 'integer',
    default: String(DEFAULTS.ws.authTimeoutMs),
    description: 'how long a WebSocket may stay open without authenticating',
  },
  WS_EXPIRY_NOTICE_SECONDS: {
    option: 'ws.expiryNoticeSeconds',
    conversion: 'integer',
    default: String(DEFAULTS.ws.expiryNoticeSeconds),
    description: 'how long before exp the server sends session_expiring',
  },
  WS_MAX_PAYLOAD_BYTES: {
    option: 'ws.maxPayloadBytes',
    conversion: 'integer',
    default: String(DEFAULTS.ws.maxPayloadBytes),
    description: 'largest WebSocket frame accepted; larger ones close the socket with 1009',
  },
  WS_PING_INTERVAL_MS: {
    option: 'ws.pingIntervalMs',
    conversion: 'integer',
    default: String(DEFAULTS.ws.pingIntervalMs),
    description: 'keepalive ping period; a peer that misses one pong is dropped',
  },
  WS_MAX_SOCKETS_PER_SUB: {
    option: 'ws.maxSocketsPerSub',
    conversion: 'integer',
    default: String(DEFAULTS.ws.maxSocketsPerSub),
    description: `sockets one sub may hold open at once on this server; one more is refused with too_many_connections (${number('ws.maxSocketsPerSub')})`,
  },
  WS_MAX_BUFFERED_BYTES: {
    option: 'ws.maxBufferedBytes',
    conversion: 'integer',
    default: String(DEFAULTS.ws.maxBufferedBytes),
    description: `data waiting to be sent to one socket; past it the socket is closed with 1008 slow_consumer (${number('ws.maxBufferedBytes')})`,
  },
  WS_MAX_PENDING_FRAMES: {
    option: 'ws.maxPendingFrames',
    conversion: 'integer',
    default: String(DEFAULTS.ws.maxPendingFrames),
    description: `frames a client may send while its auth frame is being checked; one more closes it with 1008 bad_message (${number('ws.maxPendingFrames')})`,
  },
  WS_MAX_FRAMES_PER_SECOND: {
    option: 'ws.maxFramesPerSecond',
    conversion: 'integer',
    default: String(DEFAULTS.ws.maxFramesPerSecond),
    description: `frames one socket may send per second, bursts up to twice that; faster closes it with 1008 rate_limited (${number('ws.maxFramesPerSecond')})`,
  },
  WS_MAX_PENDING_PER_ADDRESS: {
    option: 'ws.maxPendingPerAddress',
    conversion: 'integer',
    default: String(DEFAULTS.ws.maxPendingPerAddress),
    description: `unauthenticated sockets and Socket.IO sessions per client address; one more is refused with too_many_connections (${number('ws.maxPendingPerAddress')})`,
  },
  AUTH_FAIL_LIMIT: {
    option: 'failureLimit.limit',
    conversion: 'integer',
    default: String(DEFAULTS.failureLimit.limit),
    description: 'failed authentications allowed per client address per window before 429; 0 disables',
  },
  AUTH_FAIL_WINDOW_SECONDS: {
    option: 'failureLimit.windowSeconds',
    conversion: 'integer',
    default: String(DEFAULTS.failureLimit.windowSeconds),
    description: `length of the failed-authentication window (${number('failureLimit.windowSeconds')})`,
  },
  AUTH_FAIL_MAX_ADDRESSES: {
    option: 'failureLimit.maxAddresses',
    conversion: 'integer',
    default: String(DEFAULTS.failureLimit.maxAddresses),
    description: 'most client addresses tracked by the failure limiter; when full, new addresses are not tracked',
  },
  TRUST_PROXY: {
    option: 'trustProxy',
    conversion: 'proxies',
    default: 'false',
    description:
      'false, true (one proxy), a hop count, or comma-separated proxy addresses/CIDRs; the client address is read from X-Forwarded-For right to left, past trusted proxies only',
  },
  // Revocation and clusters (docs/protocol.md §11).
  GATEHOUSE_DATA_DIR: {
    option: 'revocation.dataDir',
    conversion: 'word',
    default: './data',
    description: 'where one process keeps its revocations (an append-only file, revocations.jsonl); not used with REDIS_URL',
  },
  REVOCATION_MAX_TOKEN_LIFETIME_SECONDS: {
    option: 'revocation.maxTokenLifetimeSeconds',
    conversion: 'integer',
    description: `the longest lifetime (exp - iat) of the tokens you accept; a sub cut-off is dropped that long after its "before" (${number('revocation.maxTokenLifetimeSeconds')}); unset: kept until lifted`,
  },
  REVOCATION_MAX_ENTRIES: {
    option: 'revocation.maxEntries',
    conversion: 'integer',
    default: String(REVOCATION_DEFAULTS.maxEntries),
    description: `the most revocations held at once (${number('revocation.maxEntries')}); one more is refused with 507`,
  },
  REDIS_URL: {
    option: 'redisUrl',
    conversion: 'word',
    description:
      'several processes: redis://[[user]:password@]host[:port][/db] holding the revocations and the failure limit, shared by every process',
  },
  // Authorization (docs/protocol.md §15).
  AUTH_SCOPES_CLAIM: {
    option: 'scopesClaim',
    conversion: 'text',
    description:
      'where the token\'s scopes are: a JSON Pointer or one top-level key, a space-separated string or an array; unset: "scope", else "scp" (RFC 8693, RFC 9068)',
  },
  AUTH_ROLES_CLAIM: {
    option: 'rolesClaim',
    conversion: 'text',
    default: 'roles',
    description: "where the token's roles are, an array of strings (Keycloak: /realm_access/roles)",
  },
  AUTH_CHANNELS_CLAIM: {
    option: 'channelsClaim',
    conversion: 'text',
    default: '/channels',
    description: "where the token's channel patterns are, an array of strings (a name, or a prefix ending with *)",
  },
  REDIS_PREFIX: {
    option: 'redisPrefix',
    conversion: 'word',
    default: DEFAULT_REDIS_PREFIX,
    description:
      'what starts every Gatehouse key and channel name in Redis; deployments sharing one Redis database each need their own (their database number also keeps them apart)',
  },
} as const satisfies Record<string, GatehouseEnvVariable>;

export type GatehouseEnvName = keyof typeof GATEHOUSE_ENV_VARIABLES;

const VARIABLES = Object.entries(GATEHOUSE_ENV_VARIABLES) as [GatehouseEnvName, GatehouseEnvVariable][];
const VARIABLE_OF = new Map<string, string>(VARIABLES.map(([name, variable]) => [variable.option, name]));

/** The options these variables ask for, and what they resolve to (keys loaded once). */
export function gatehouseSettingsFromEnv(env: Environment): { options: GatehouseOptions; settings: GatehouseSettings } {
  const options: Record<string, unknown> = { mode: 'secure' }; // AUTH_MODE's default
  const written = new Map<string, string>();
  for (const [name, variable] of VARIABLES) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue; // a blank value counts as unset
    const text = variable.conversion === 'text' ? raw : raw.trim();
    written.set(variable.option, text);
    setPath(options, variable.option, convert(text, variable.conversion));
  }
  const naming: OptionNaming = {
    name: (path) => VARIABLE_OF.get(path) ?? path,
    written: (path) => written.get(path),
  };
  // Checked here (not only by the module) so that the lines name the variables.
  const settings = resolveOptions(options as unknown as GatehouseOptions, naming, env.NODE_ENV);
  return { options: options as unknown as GatehouseOptions, settings };
}

/**
 * GatehouseModule's options from AUTH_*, WS_*, AUTH_FAIL_* and TRUST_PROXY; throws a
 * ConfigurationError with one line per problem, each naming its variable.
 */
export function gatehouseOptionsFromEnv(env: Environment): GatehouseOptions {
  return gatehouseSettingsFromEnv(env).options;
}

function convert(text: string, conversion: Conversion): unknown {
  switch (conversion) {
    case 'text':
    case 'word':
      return text;
    case 'integer':
      return /^\d+$/.test(text) ? Number(text) : text;
    case 'flag':
      return /^(true|false)$/i.test(text) ? text.toLowerCase() === 'true' : text;
    case 'list':
      return splitList(text);
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text; // resolveOptions says where it stops being JSON
      }
    case 'proxies':
      if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
      return /^\d+$/.test(text) ? Number(text) : splitList(text);
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** `ws.authTimeoutMs` → options.ws.authTimeoutMs. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const [head, tail] = path.split('.');
  if (tail === undefined) {
    target[head] = value;
    return;
  }
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  inner[tail] = value;
}
