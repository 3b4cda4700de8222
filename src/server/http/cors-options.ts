import type { FastifyCorsOptions } from '@fastify/cors';

/**
 * CORS_ORIGINS: off when empty. Browsers then may send the Authorization header from
 * the listed origins and read WWW-Authenticate (why a 401 happened) and Retry-After.
 * No credentials: bearer tokens are not cookies.
 */
export function corsOptions(origins: readonly string[]): FastifyCorsOptions | undefined {
  if (origins.length === 0) return undefined;
  return {
    origin: origins[0] === '*' ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['WWW-Authenticate', 'Retry-After'],
    credentials: false,
    maxAge: 600,
  };
}
