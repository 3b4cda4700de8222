import { ConfigurationError, type GatehouseOptions } from '../../index.js';
import {
  GATEHOUSE_ENV_VARIABLES,
  gatehouseSettingsFromEnv,
  isProduction,
  MIN_ADMIN_KEY_LENGTH,
  type EnvVariable,
  type Environment,
  type GatehouseSettings,
} from '../../internal.js';

// The server's own variables (listening, logs, metrics, API docs, CORS): what the
// Gatehouse server adds around the library, which knows nothing of them.

export const SERVER_ENV_VARIABLES = {
  PORT: { default: '3000', description: 'TCP port for REST and WebSocket alike' },
  HOST: { default: '0.0.0.0', description: 'address to listen on' },
  NODE_ENV: {
    description:
      'production (or prod, any case) makes insecure mode refuse to start, moves /metrics to METRICS_PORT and turns API docs off',
  },
  LOG_LEVEL: { default: 'info', description: 'fatal, error, warn, info, debug, trace or silent' },
  LOG_REQUESTS: {
    default: 'false',
    description: 'one access-log line per HTTP request (costs about 100 µs of CPU each; metrics count every request anyway)',
  },
  LOG_FORMAT: { default: 'auto', description: 'json, pretty, or auto (pretty when NODE_ENV is not production and stdout is a terminal)' },
  METRICS_ENABLED: { default: 'true', description: 'serve Prometheus metrics at GET /metrics (public, no token)' },
  METRICS_PORT: {
    default: '9464',
    description: 'with NODE_ENV=production, /metrics is served only on this separate port (keep it off the public network)',
  },
  API_DOCS_ENABLED: {
    default: 'true',
    description: 'serve the OpenAPI description at /api/docs (UI) and /api/docs/json; under NODE_ENV=production off unless set to true',
  },
  CORS_ORIGINS: { description: 'comma-separated origins (https://app.example.com) allowed by CORS, or * for any; unset: CORS off' },
  WS_TRANSPORT: { default: 'ws', description: 'ws: raw WebSocket at /ws; socket.io: Socket.IO at /socket.io/ (docs/socket-io.md)' },
  HTTP_HEADERS_TIMEOUT_MS: {
    default: '10000',
    description: 'a connection that has not sent a complete request head in this many milliseconds is closed',
  },
  HTTP_KEEP_ALIVE_TIMEOUT_MS: {
    default: '72000',
    description: 'a connection idle this many milliseconds between requests is closed (keep it above your load balancer idle timeout)',
  },
  ADMIN_API_KEY: {
    description: `turns the admin API (/admin/revocations) on; callers send it as Authorization: Bearer <key>; at least ${MIN_ADMIN_KEY_LENGTH} characters`,
  },
} as const satisfies Record<string, EnvVariable>;

/** Every variable the server reads: tests blank them all so that no setting leaks in. */
export const ENV_VARIABLES = { ...SERVER_ENV_VARIABLES, ...GATEHOUSE_ENV_VARIABLES } as const;
export type EnvName = keyof typeof ENV_VARIABLES;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];

export interface ServerSettings {
  readonly port: number;
  readonly host: string;
  readonly nodeEnv: string | undefined;
  /** NODE_ENV is production or prod (any case). */
  readonly production: boolean;
  readonly logLevel: LogLevelSetting;
  readonly logFormat: 'auto' | 'json' | 'pretty';
  readonly logRequests: boolean;
  readonly metricsEnabled: boolean;
  /** In production, /metrics is served here only, not on PORT. */
  readonly metricsPort: number;
  readonly docsEnabled: boolean;
  /** Empty: CORS off. ['*']: any origin. */
  readonly corsOrigins: readonly string[];
  /** Which WebSocket adapter serves the gateways. */
  readonly wsTransport: WsTransport;
  /** The admin API's key; undefined: the admin API is off. */
  readonly adminApiKey: string | undefined;
  /** Connections that say nothing: how long a request head may take, how long a connection may idle. */
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

export const WS_TRANSPORTS = ['ws', 'socket.io'] as const;
export type WsTransport = (typeof WS_TRANSPORTS)[number];

export interface ServerEnvironment {
  readonly options: GatehouseOptions;
  readonly settings: GatehouseSettings;
  readonly server: ServerSettings;
}

/** The server's variables; throws a ConfigurationError naming each bad one. */
export function serverSettingsFromEnv(env: Environment): ServerSettings {
  const { server, errors } = readServerSettings(env);
  if (errors.length > 0) throw new ConfigurationError(errors);
  return server;
}

/**
 * Everything the server reads from the environment, checked together: one
 * ConfigurationError lists the Gatehouse lines, then the server's.
 */
export function parseServerEnvironment(env: Environment): ServerEnvironment {
  let gatehouse: ReturnType<typeof gatehouseSettingsFromEnv> | undefined;
  const errors: string[] = [];
  try {
    gatehouse = gatehouseSettingsFromEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    errors.push(...error.lines);
  }
  const { server, errors: serverErrors } = readServerSettings(env);
  errors.push(...serverErrors);
  if (errors.length > 0 || gatehouse === undefined) throw new ConfigurationError(errors);
  return { ...gatehouse, server };
}

/** The longest a Node timer waits. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function readServerSettings(env: Environment): { server: ServerSettings; errors: string[] } {
  const errors: string[] = [];
  const read = envReader(env, errors);
  const nodeEnv = read.text('NODE_ENV');
  const production = isProduction(nodeEnv);
  // Read in the order of the table, so that the error lines come in that order too.
  const server: ServerSettings = {
    port: read.integer('PORT', 0, 65535),
    host: read.text('HOST') ?? SERVER_ENV_VARIABLES.HOST.default,
    nodeEnv,
    production,
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS),
    logFormat: read.oneOf('LOG_FORMAT', ['auto', 'json', 'pretty']),
    logRequests: read.flag('LOG_REQUESTS'),
    metricsEnabled: read.flag('METRICS_ENABLED'),
    metricsPort: read.integer('METRICS_PORT', 0, 65535),
    // Off in production unless asked for: it maps the API for anyone who looks.
    docsEnabled: read.flag('API_DOCS_ENABLED', !production),
    corsOrigins: parseCorsOrigins(read.text('CORS_ORIGINS'), errors),
    wsTransport: read.oneOf('WS_TRANSPORT', WS_TRANSPORTS),
    headersTimeoutMs: read.integer('HTTP_HEADERS_TIMEOUT_MS', 1, MAX_TIMEOUT_MS),
    keepAliveTimeoutMs: read.integer('HTTP_KEEP_ALIVE_TIMEOUT_MS', 1, MAX_TIMEOUT_MS),
    adminApiKey: read.text('ADMIN_API_KEY'),
  };
  if (server.adminApiKey !== undefined && server.adminApiKey.length < MIN_ADMIN_KEY_LENGTH) {
    // Never quoted back: it is a secret, even when too short.
    errors.push(`ADMIN_API_KEY has to be at least ${MIN_ADMIN_KEY_LENGTH} characters long`);
  }
  if (production && server.metricsEnabled && server.metricsPort !== 0 && server.metricsPort === server.port) {
    errors.push(
      `METRICS_PORT has invalid value: "${server.metricsPort}". Must differ from PORT: with NODE_ENV=${nodeEnv} /metrics has a listener of its own`,
    );
  }
  return { server, errors };
}

type ServerEnvName = keyof typeof SERVER_ENV_VARIABLES;

/** Readers of the server's variables: blank is unset, bad text is one error line. */
function envReader(env: Environment, errors: string[]) {
  const text = (name: ServerEnvName): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const fallback = (name: ServerEnvName): string | undefined => (SERVER_ENV_VARIABLES[name] as EnvVariable).default;
  const invalid = (name: string, value: string, must: string) =>
    errors.push(`${name} has invalid value: ${JSON.stringify(value)}. ${must}`);
  return {
    text,
    integer(name: ServerEnvName, min: number, max: number): number {
      const value = text(name);
      if (value !== undefined && /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
      if (value !== undefined) invalid(name, value, `Must be a whole number from ${min} to ${max}`);
      return Number(fallback(name));
    },
    flag(name: ServerEnvName, unset = fallback(name) === 'true'): boolean {
      const value = text(name);
      if (value === undefined) return unset;
      if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      invalid(name, value, 'Must be one of ["true", "false"]');
      return unset;
    },
    oneOf<T extends string>(name: ServerEnvName, allowed: readonly T[]): T {
      const value = text(name);
      if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
      if (value !== undefined) invalid(name, value, `Must be one of [${allowed.map((a) => JSON.stringify(a)).join(', ')}]`);
      return fallback(name) as T;
    },
  };
}

/** CORS_ORIGINS: `*`, or origins written as browsers send them (scheme://host[:port]). */
function parseCorsOrigins(value: string | undefined, errors: string[]): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
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
