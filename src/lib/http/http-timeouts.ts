import type { Server } from 'node:http';
import { ConfigurationError } from '../options/configuration-error.js';

/** How long the HTTP server waits for clients that say nothing (docs/protocol.md §10). */
export interface HttpTimeoutOptions {
  /** A connection that has not sent a complete request head in this time is closed. Default 10000. */
  readonly headersTimeoutMs?: number;
  /** A connection idle between requests this long is closed. Default 72000: longer than the idle timeout of common load balancers. */
  readonly keepAliveTimeoutMs?: number;
  /** A request (head and body) not received in full in this time is answered 408 and closed; 0: no limit. Default 300000. */
  readonly requestTimeoutMs?: number;
}

export type HttpTimeouts = Required<HttpTimeoutOptions>;

export const HTTP_TIMEOUT_DEFAULTS: HttpTimeouts = { headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, requestTimeoutMs: 300_000 };

const MAX_MS = 2 ** 31 - 1;

/** The options checked, every problem at once, each naming its option. */
export function resolveHttpTimeouts(options: HttpTimeoutOptions = {}): HttpTimeouts {
  const errors: string[] = [];
  const read = (name: keyof HttpTimeoutOptions, min: number): number => {
    const value = options[name];
    if (value === undefined) return HTTP_TIMEOUT_DEFAULTS[name];
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_MS) return value;
    errors.push(`${name} has invalid value: ${JSON.stringify(value)}. Must be a whole number from ${min} to ${MAX_MS}`);
    return HTTP_TIMEOUT_DEFAULTS[name];
  };
  const timeouts = {
    headersTimeoutMs: read('headersTimeoutMs', 1),
    keepAliveTimeoutMs: read('keepAliveTimeoutMs', 1),
    requestTimeoutMs: read('requestTimeoutMs', 0),
  };
  if (timeouts.requestTimeoutMs !== 0 && timeouts.requestTimeoutMs < timeouts.headersTimeoutMs) {
    errors.push(
      `requestTimeoutMs has invalid value: ${timeouts.requestTimeoutMs}. Must be 0 or at least headersTimeoutMs (${timeouts.headersTimeoutMs})`,
    );
  }
  if (errors.length > 0) throw new ConfigurationError(errors);
  return timeouts;
}

/**
 * Applies them to Node's HTTP server (Express's and Fastify's alike). Before it listens:
 * Node checks the connections on a timer it starts then, at the interval set here, so
 * that a silent connection is closed soon after its time is up, not up to 30 s later.
 */
export function applyHttpTimeouts(server: Server, timeouts: HttpTimeouts): void {
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.max(
    50,
    Math.min(1000, Math.floor(timeouts.headersTimeoutMs / 4)),
  );
}
