import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HelmetOptions } from 'helmet';
import { loadOptionalPeer } from '../options/optional-peer.js';

/**
 * Helmet's defaults, with a Content Security Policy the Swagger UI at /api/docs can
 * live with (its inline styles and data: images); the JSON API itself loads nothing.
 */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      // Helmet adds this by default; it would break the docs served over plain HTTP.
      upgradeInsecureRequests: null,
    },
  },
};

/**
 * The headers helmet sets, computed once at startup. They depend only on the options
 * (no nonces), and @fastify/helmet would rebuild helmet's middleware and the CSP
 * string on every request: over 100 µs each, more than the whole authentication.
 */
export function securityHeaders(options: Readonly<HelmetOptions> = HELMET_OPTIONS): Readonly<Record<string, string>> {
  // helmet is an optional peer: loaded by the apps that ask for these headers only.
  const helmet = loadOptionalPeer<typeof import('helmet')>('helmet', 'GatehouseHttpModule').default;
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}
