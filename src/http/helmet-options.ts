import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * Helmet's defaults, with a Content Security Policy the Swagger UI at /api/docs can
 * live with (its inline styles and data: images); the JSON API itself loads nothing.
 */
export const HELMET_OPTIONS: FastifyHelmetOptions = {
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
