import type { IncomingMessage, ServerResponse } from 'node:http';
import { routePattern, type ExpressRequestLike } from '../auth/express-routes.js';
import { insertExpressMiddleware, type HttpPlatform } from '../platform/platform.js';
import type { GatehouseMetrics } from '../observability/gatehouse-metrics.js';

interface FastifyTimed {
  readonly method: string;
  readonly routeOptions: { readonly url?: string };
}

/**
 * Times every HTTP request, 401s and 429s included (they end in filters or in the
 * gate, before any interceptor). The route label is the route pattern, never the raw
 * URL, so unknown paths cannot blow up the number of series.
 */
export function installHttpMetrics(platform: HttpPlatform, metrics: GatehouseMetrics): void {
  if (platform.kind === 'fastify') {
    platform.app.addHook('onResponse', (request: FastifyTimed, reply: { statusCode: number; elapsedTime: number }, done: () => void) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpDuration.seriesFor(request.method, route, reply.statusCode).observe(reply.elapsedTime / 1000);
      done();
    });
    return;
  }
  // First in Express's line, so that the time includes everything Gatehouse does.
  insertExpressMiddleware(
    platform.app,
    function gatehouseHttpMetrics(request: IncomingMessage & ExpressRequestLike, response: ServerResponse, next: () => void) {
      const started = performance.now();
      response.once('finish', () => {
        const route = routePattern(request) ?? 'unmatched';
        metrics.httpDuration.seriesFor(request.method, route, response.statusCode).observe((performance.now() - started) / 1000);
      });
      next();
    },
    true,
  );
}
