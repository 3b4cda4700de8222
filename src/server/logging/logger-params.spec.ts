import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseServerEnvironment } from '../config/server-settings.js';
import { REDACTED_PATHS, loggerParams, resolveLogFormat } from './logger-params.js';
import { redactUrl } from '../../internal.js';

describe('log redaction', () => {
  const capture = () => {
    const out: string[] = [];
    const stream = new Writable({ write: (chunk, _e, done) => (out.push(chunk.toString()), done()) });
    return { logger: pino({ redact: { paths: REDACTED_PATHS, censor: '[Redacted]' } }, stream), out };
  };

  it.each([
    ['the Authorization header', { req: { headers: { authorization: 'Bearer SECRET' } } }],
    ['a token field', { token: 'SECRET' }],
    ['a nested token field (WebSocket auth frame)', { frame: { token: 'SECRET' } }],
    ['a token two levels down', { frame: { data: { token: 'SECRET' } } }],
    ['the subprotocol header', { req: { headers: { 'sec-websocket-protocol': 'SECRET' } } }],
    ['a cookie', { req: { headers: { cookie: 'a=SECRET' } } }],
  ])('hides %s', (_name, record) => {
    const { logger, out } = capture();
    logger.info(record, 'event');
    expect(out.join('')).not.toContain('SECRET');
    expect(out.join('')).toContain('[Redacted]');
  });

  it('hides token values in URLs, keeping the rest', () => {
    expect(redactUrl('/ws?token=abc.def.ghi&x=1')).toBe('/ws?token=[Redacted]&x=1');
    expect(redactUrl('/a?x=1&access_token=abc')).toBe('/a?x=1&access_token=[Redacted]');
    expect(redactUrl('/api/session')).toBe('/api/session');
  });
});

describe('LOG_FORMAT', () => {
  const config = (env: Record<string, string>) =>
    parseServerEnvironment({ AUTH_MODE: 'insecure', AUTH_INSECURE_ALLOW_IN_PRODUCTION: 'true', ...env }).server;

  it('auto: pretty at a terminal outside production, JSON otherwise', () => {
    expect(resolveLogFormat(config({}), true)).toBe('pretty');
    expect(resolveLogFormat(config({}), false)).toBe('json');
    expect(resolveLogFormat(config({ NODE_ENV: 'production' }), true)).toBe('json');
    expect(resolveLogFormat(config({ NODE_ENV: ' Prod ' }), true)).toBe('json');
  });

  it('an explicit format wins', () => {
    expect(resolveLogFormat(config({ LOG_FORMAT: 'json' }), true)).toBe('json');
    expect(resolveLogFormat(config({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }), false)).toBe('pretty');
  });
});

describe('every JSON record on one line', () => {
  it('escapes U+0085, U+2028 and U+2029 whatever logged them; the record reads back the same', async () => {
    const out: string[] = [];
    const stream = new Writable({ write: (chunk, _e, done) => (out.push(chunk.toString()), done()) });
    const config = parseServerEnvironment({ AUTH_MODE: 'insecure', LOG_FORMAT: 'json' }).server;
    const { pinoHttp } = await loggerParams(config, stream);
    const [options] = pinoHttp as [object, unknown];
    const text = 'a\u2028b\u2029c\u0085d\r\ne';
    pino(options, stream).info({ text }, text);
    expect(out.join('')).not.toMatch(/[\u0085\u2028\u2029\r]/);
    expect(out.join('').trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(out.join(''))).toMatchObject({ text, msg: text });
  });
});
