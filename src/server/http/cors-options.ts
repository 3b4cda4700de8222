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

/**
 * The same origins for Socket.IO's long-polling requests (WS_TRANSPORT=socket.io), which
 * engine.io answers itself, before Fastify. Its `auth` payload travels in the body,
 * so only Authorization (clients that send the token as a header) needs allowing.
 */
export function socketIoCorsOptions(origins: readonly string[]) {
  if (origins.length === 0) return undefined;
  return {
    origin: origins[0] === '*' ? '*' : [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    credentials: false,
  };
}
