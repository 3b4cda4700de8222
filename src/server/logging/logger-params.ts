import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { LogLevel } from '@nestjs/common';
import { escapeLineBreaks, escapeUnicodeLineBreaks, redactUrl } from '../../internal.js';
import type { ServerSettings } from '../config/server-settings.js';

/**
 * Where secrets could appear in a log record. Tokens travel in the Authorization
 * header (REST and the WebSocket upgrade), in a `token` field (the WebSocket `auth`
 * frame's data), and some clients put them in the subprotocol header or a cookie.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'token',
  '*.token',
  '*.*.token',
  'authorization',
  '*.authorization',
];

/** Probes and scrapes every few seconds would drown the request log. */
const QUIET_PATHS = /^\/(health(\/live|\/ready)?|metrics)(\?|$)/;

/** A header value as a log value: header bytes 0x85 arrive as U+0085 (NEL). */
function logValue(value: unknown): unknown {
  return typeof value === 'string' ? escapeLineBreaks(value) : value;
}

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT=auto: pretty for a developer at a terminal, JSON everywhere else. */
export function resolveLogFormat(
  server: Pick<ServerSettings, 'logFormat' | 'production'>,
  isTty = process.stdout.isTTY === true,
): LogFormat {
  if (server.logFormat !== 'auto') return server.logFormat;
  return !server.production && isTty ? 'pretty' : 'json';
}

const NEST_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const PINO_TO_NEST: Record<ServerSettings['logLevel'], number> = { silent: 0, fatal: 1, error: 2, warn: 3, info: 4, debug: 5, trace: 6 };

/** The Nest log levels that pino writes at LOG_LEVEL (Nest's `log` is pino's `info`). */
export function nestLogLevels(level: ServerSettings['logLevel']): LogLevel[] {
  return NEST_LEVELS.slice(0, PINO_TO_NEST[level]);
}

/**
 * nestjs-pino's parameters: the app's one pino-http logger (request logs and every
 * Nest log), JSON lines on stdout unless `destination` says otherwise.
 */
export async function loggerParams(server: ServerSettings, destination?: DestinationStream): Promise<Params> {
  const options = {
    level: server.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
    // Whatever logged it, a record stays one line (see log-safety.ts).
    hooks: { streamWrite: escapeUnicodeLineBreaks },
    // Token failures are 4xx by design: a 401 is not a warning about the server.
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      error !== undefined || res.statusCode >= 500 ? ('error' as const) : ('info' as const),
    // Middleware sees req.url with its mount path cut; originalUrl is the full one.
    autoLogging: {
      ignore: (req: IncomingMessage & { originalUrl?: string }) => QUIET_PATHS.test(req.originalUrl ?? req.url ?? ''),
    },
    serializers: {
      // Only what an operator needs; headers other than these stay out of the log.
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string; headers: Record<string, unknown> }) => ({
        id: req.id,
        method: req.method,
        // Node refuses request targets with control or non-ASCII characters: only tokens to hide.
        url: redactUrl(req.url),
        remoteAddress: req.remoteAddress,
        userAgent: logValue(req.headers['user-agent']),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  let stream = destination;
  if (stream === undefined && resolveLogFormat(server) === 'pretty') stream = await prettyStream();
  return {
    pinoHttp: stream === undefined ? options : [options, stream],
    // nestjs-pino's default route pattern never matches under the Fastify adapter
    // here (no request log, no request context); '*' does. Without LOG_REQUESTS no
    // route gets the middleware: a child logger per request is most of its cost.
    forRoutes: server.logRequests ? ['*'] : [],
  };
}

/** pino-pretty is optional: without it (an install that left it out) logs stay JSON. */
async function prettyStream(): Promise<DestinationStream | undefined> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    process.stderr.write('LOG_FORMAT: pino-pretty is not installed, logging JSON\n');
    return undefined;
  }
}
