import type { FastifyInstance } from 'fastify';
import type { GatehouseMetrics } from '../observability/gatehouse-metrics.js';

/**
 * Times every HTTP request, 401s and 429s included (they end in filters, before any
 * interceptor). The route label is the route pattern, never the raw URL, so unknown
 * paths cannot blow up the number of series.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: GatehouseMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.seriesFor(request.method, route, reply.statusCode).observe(reply.elapsedTime / 1000);
    done();
  });
}
