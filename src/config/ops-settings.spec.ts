import { ConfigurationError, parseEnvironment, type Environment } from './env.schema.js';

// The operations settings of env.schema.ts (the README, "Operations"). Kept apart from
// env.schema.spec.ts, which is about authentication.
const base = { AUTH_MODE: 'insecure' };
const parse = (env: Environment) => parseEnvironment({ ...base, ...env });

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
      'LOG_LEVEL has invalid value: "loud". Must be one of ["fatal", "error", "warn", "info", "debug", "trace", "silent"]',
      'LOG_FORMAT has invalid value: "xml". Must be one of ["auto", "json", "pretty"]',
      'METRICS_ENABLED has invalid value: "yes". Must be one of ["true", "false"]',
      'AUTH_FAIL_LIMIT has invalid value: "-1". Must be a whole number from 0 to 1000000',
      'AUTH_FAIL_WINDOW_SECONDS has invalid value: "0". Must be a whole number from 1 to 86400',
      'AUTH_FAIL_MAX_ADDRESSES has invalid value: "10". Must be a whole number from 100 to 10000000',
      'TRUST_PROXY has invalid value: "sometimes". Must be true, false, a hop count from 1 to 100, or comma-separated IP addresses/CIDRs',
      'CORS_ORIGINS has invalid value: "https://a.example.com/path". Must be * or comma-separated origins such as https://app.example.com',
    ]);
  });

  it.each(['ftp://a.example.com', 'a.example.com', '*, https://a.example.com'])('refuses CORS_ORIGINS=%s', (value) => {
    expect(errorsOf({ CORS_ORIGINS: value })[0]).toMatch(/^CORS_ORIGINS has invalid value/);
  });
});
