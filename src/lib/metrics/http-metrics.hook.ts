import type { FastifyInstance } from 'fastify';
import type { GatehouseMetrics } from '../observability/gatehouse-metrics.js';

/**
 * Times every HTTP request, 401s and 429s included (they end in filters, before any
 * interceptor). The route label is the route pattern, never the raw URL, so unknown
 * paths cannot blow up the number of series.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: GatehouseMetrics): void {
  // One histogram child per (method, route, status), looked up by a plain string:
  // prom-client's labels() hashes and sorts its labels on every call.
  const children = new Map<string, { observe(seconds: number): void }>();
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (child === undefined) {
      child = metrics.httpDuration.labels(request.method, route, String(reply.statusCode));
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}
