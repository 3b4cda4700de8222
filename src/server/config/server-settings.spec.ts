import { ConfigurationError } from '../../lib/options/configuration-error.js';
import type { Environment } from '../../lib/options/options-from-env.js';
import { parseServerEnvironment, serverSettingsFromEnv } from './server-settings.js';

// The operations settings (the README, "Operations"): the server's own variables and
// the limits of the library, read together as the server reads them. Authentication
// is in src/lib/options/options-from-env.spec.ts.
const base = { AUTH_MODE: 'insecure' };
const parse = (env: Environment) => {
  const { settings, server } = parseServerEnvironment({ ...base, ...env });
  return {
    ops: {
      logLevel: server.logLevel,
      logFormat: server.logFormat,
      logRequests: server.logRequests,
      metricsEnabled: server.metricsEnabled,
      docsEnabled: server.docsEnabled,
    },
    limits: {
      authFailLimit: settings.failureLimit.limit,
      authFailWindowSeconds: settings.failureLimit.windowSeconds,
      authFailMaxAddresses: settings.failureLimit.maxAddresses,
    },
    http: { trustProxy: settings.trustProxy, corsOrigins: server.corsOrigins },
  };
};

function errorsOf(env: Environment): string[] {
  try {
    parse(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return [...(error as ConfigurationError).lines];
  }
  throw new Error('expected a ConfigurationError');
}

describe('operations settings', () => {
  it('defaults', () => {
    const config = parse({});
    expect(config.ops).toEqual({ logLevel: 'info', logFormat: 'auto', logRequests: false, metricsEnabled: true, docsEnabled: true });
    expect(config.limits).toEqual({ authFailLimit: 30, authFailWindowSeconds: 60, authFailMaxAddresses: 10000 });
    expect(config.http).toEqual({ trustProxy: false, corsOrigins: [] });
  });

  it('reads every setting', () => {
    const config = parse({
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      LOG_REQUESTS: 'true',
      METRICS_ENABLED: 'FALSE',
      API_DOCS_ENABLED: 'false',
      AUTH_FAIL_LIMIT: '0',
      AUTH_FAIL_WINDOW_SECONDS: '300',
      AUTH_FAIL_MAX_ADDRESSES: '500',
      TRUST_PROXY: '2',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173/',
    });
    expect(config.ops).toEqual({ logLevel: 'debug', logFormat: 'json', logRequests: true, metricsEnabled: false, docsEnabled: false });
    expect(config.limits).toEqual({ authFailLimit: 0, authFailWindowSeconds: 300, authFailMaxAddresses: 500 });
    expect(config.http).toEqual({ trustProxy: 2, corsOrigins: ['https://a.example.com', 'http://localhost:5173'] });
  });

  it.each([
    ['true', true],
    ['False', false],
    ['10.0.0.0/8, 192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
    ['loopback,::1', ['loopback', '::1']],
    ['10.0.0.0/255.0.0.0', ['10.0.0.0/255.0.0.0']],
  ])('TRUST_PROXY=%s', (value, expected) => {
    expect(parse({ TRUST_PROXY: value }).http.trustProxy).toEqual(expected);
  });

  it.each(['1.2.3', '0x7f.1', '10.0.0.0/33', '::1/129', 'localhost', '10.0.0.1/'])('TRUST_PROXY=%s is refused at startup', (value) => {
    expect(errorsOf({ TRUST_PROXY: value })).toEqual([
      `TRUST_PROXY has invalid value: "${value}". Must be true, false, a hop count from 1 to 100, or comma-separated IP addresses/CIDRs`,
    ]);
  });

  it('CORS_ORIGINS=* allows any origin', () => {
    expect(parse({ CORS_ORIGINS: '*' }).http.corsOrigins).toEqual(['*']);
  });

  it('reports every bad setting at once, each naming its variable', () => {
    expect(
      errorsOf({
        LOG_LEVEL: 'loud',
        LOG_FORMAT: 'xml',
        METRICS_ENABLED: 'yes',
        AUTH_FAIL_LIMIT: '-1',
        AUTH_FAIL_WINDOW_SECONDS: '0',
        AUTH_FAIL_MAX_ADDRESSES: '10',
        TRUST_PROXY: 'sometimes',
        CORS_ORIGINS: 'https://a.example.com/path',
      }),
    ).toEqual([
      // The library's variables first, then the server's.
      'AUTH_FAIL_LIMIT has invalid value: "-1". Must be a whole number from 0 to 1000000',
      'AUTH_FAIL_WINDOW_SECONDS has invalid value: "0". Must be a whole number from 1 to 86400',
      'AUTH_FAIL_MAX_ADDRESSES has invalid value: "10". Must be a whole number from 100 to 10000000',
      'TRUST_PROXY has invalid value: "sometimes". Must be true, false, a hop count from 1 to 100, or comma-separated IP addresses/CIDRs',
      'LOG_LEVEL has invalid value: "loud". Must be one of ["fatal", "error", "warn", "info", "debug", "trace", "silent"]',
      'LOG_FORMAT has invalid value: "xml". Must be one of ["auto", "json", "pretty"]',
      'METRICS_ENABLED has invalid value: "yes". Must be one of ["true", "false"]',
      'CORS_ORIGINS has invalid value: "https://a.example.com/path". Must be * or comma-separated origins such as https://app.example.com',
    ]);
  });

  it.each(['ftp://a.example.com', 'a.example.com', '*, https://a.example.com'])('refuses CORS_ORIGINS=%s', (value) => {
    expect(errorsOf({ CORS_ORIGINS: value })[0]).toMatch(/^CORS_ORIGINS has invalid value/);
  });
});

describe('server settings', () => {
  it('defaults, outside production', () => {
    expect(serverSettingsFromEnv({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      nodeEnv: undefined,
      production: false,
      logLevel: 'info',
      logFormat: 'auto',
      logRequests: false,
      metricsEnabled: true,
      metricsPort: 9464,
      docsEnabled: true,
      corsOrigins: [],
      wsTransport: 'ws',
      headersTimeoutMs: 10000,
      keepAliveTimeoutMs: 72000,
    });
  });

  it('HTTP_HEADERS_TIMEOUT_MS and HTTP_KEEP_ALIVE_TIMEOUT_MS: whole milliseconds, each bad one named', () => {
    expect(serverSettingsFromEnv({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000' })).toMatchObject({
      headersTimeoutMs: 5000,
      keepAliveTimeoutMs: 65000,
    });
    expect(() => serverSettingsFromEnv({ HTTP_HEADERS_TIMEOUT_MS: '0', HTTP_KEEP_ALIVE_TIMEOUT_MS: '5s' })).toThrow(
      expect.objectContaining({
        lines: [
          'HTTP_HEADERS_TIMEOUT_MS has invalid value: "0". Must be a whole number from 1 to 2147483647',
          'HTTP_KEEP_ALIVE_TIMEOUT_MS has invalid value: "5s". Must be a whole number from 1 to 2147483647',
        ],
      }),
    );
  });

  it.each(['production', 'prod', ' PRODUCTION '])('NODE_ENV=%j is production: API docs off unless API_DOCS_ENABLED=true', (nodeEnv) => {
    expect(serverSettingsFromEnv({ NODE_ENV: nodeEnv })).toMatchObject({ production: true, docsEnabled: false });
    expect(serverSettingsFromEnv({ NODE_ENV: nodeEnv, API_DOCS_ENABLED: 'TRUE' }).docsEnabled).toBe(true);
    expect(serverSettingsFromEnv({ NODE_ENV: 'development', API_DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
  });

  it('METRICS_PORT: a port, and in production not the one of PORT', () => {
    expect(serverSettingsFromEnv({ METRICS_PORT: '9100' }).metricsPort).toBe(9100);
    expect(() => serverSettingsFromEnv({ METRICS_PORT: '70000' })).toThrow(
      'METRICS_PORT has invalid value: "70000". Must be a whole number from 0 to 65535',
    );
    expect(errorsOf({ NODE_ENV: 'production', AUTH_INSECURE_ALLOW_IN_PRODUCTION: 'true', PORT: '8080', METRICS_PORT: '8080' })).toEqual([
      'METRICS_PORT has invalid value: "8080". Must differ from PORT: with NODE_ENV=production /metrics has a listener of its own',
    ]);
    // Outside production /metrics stays on PORT: the same number is harmless.
    expect(serverSettingsFromEnv({ PORT: '8080', METRICS_PORT: '8080' }).metricsPort).toBe(8080);
  });

  it("reports the library's problems and the server's together, every line at once", () => {
    expect(errorsOf({ AUTH_MODE: 'secure', AUTH_JWT_CLOCK_TOLERANCE: 'x', PORT: 'http', LOG_LEVEL: 'loud' })).toEqual([
      'AUTH_JWT_CLOCK_TOLERANCE has invalid value: "x". Must be a whole number from 0 to 300',
      'AUTH_JWT_ALG not set',
      'AUTH_JWT_KEY not set',
      'PORT has invalid value: "http". Must be a whole number from 0 to 65535',
      'LOG_LEVEL has invalid value: "loud". Must be one of ["fatal", "error", "warn", "info", "debug", "trace", "silent"]',
    ]);
  });

  it('WS_TRANSPORT: ws by default, or socket.io', () => {
    expect(serverSettingsFromEnv({}).wsTransport).toBe('ws');
    expect(serverSettingsFromEnv({ WS_TRANSPORT: 'socket.io' }).wsTransport).toBe('socket.io');
    expect(errorsOf({ WS_TRANSPORT: 'sockjs' })).toEqual(['WS_TRANSPORT has invalid value: "sockjs". Must be one of ["ws", "socket.io"]']);
  });
});
