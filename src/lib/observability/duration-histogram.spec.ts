import { Histogram, Registry, type Metric } from 'prom-client';
import { DurationHistogram } from './duration-histogram.js';

const NAME = 'gatehouse_http_request_duration_seconds';
const HELP = 'HTTP request duration by method, route pattern and status code';
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

// Series and durations: exact bucket bounds, values between them, one above every bound.
const OBSERVATIONS: [string, string, number, number][] = [
  ['GET', '/api/session', 200, 0.0003],
  ['GET', '/api/session', 200, 0.0005],
  ['GET', '/api/session', 200, 0.0007],
  ['GET', '/health', 200, 0.004],
  ['GET', '/api/session', 401, 0.01],
  ['GET', 'unmatched', 401, 3.7],
  ['POST', '/notes', 201, 0.3],
  ['GET', '/api/session', 200, 2.5],
  ['GET', '/health', 200, 0],
];

/** The same observations in prom-client's own Histogram and in DurationHistogram, each in a registry of its own. */
function both(contentType?: typeof Registry.OPENMETRICS_CONTENT_TYPE) {
  const reference = new Registry();
  const ours = new Registry();
  if (contentType !== undefined) {
    // prom-client's types fix a registry's content type at its default; the open-metrics one is set at run time.
    for (const registry of [reference, ours]) (registry as unknown as { setContentType(type: string): void }).setContentType(contentType);
  }
  const histogram = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS,
    registers: [reference],
  });
  const duration = new DurationHistogram(NAME, HELP, BUCKETS);
  ours.registerMetric(duration as unknown as Metric);
  for (const [method, route, status, seconds] of OBSERVATIONS) {
    histogram.labels(method, route, String(status)).observe(seconds);
    duration.seriesFor(method, route, status).observe(seconds);
  }
  return { reference, ours, duration };
}

describe('DurationHistogram', () => {
  it('is written out exactly as prom-client writes its own Histogram (text format)', async () => {
    const { reference, ours } = both();
    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain(`${NAME}_bucket{le="0.0005",method="GET",route="/api/session",status_code="200"} 2`);
    expect(text).toContain(`${NAME}_count{method="GET",route="/api/session",status_code="200"} 4`);
  });

  it('and in OpenMetrics and JSON', async () => {
    const open = both(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(await open.ours.metrics()).toBe(await open.reference.metrics());
    const { reference, ours } = both();
    expect(await ours.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('forgets every series on reset, as the registry asks', async () => {
    const { ours, duration } = both();
    ours.resetMetrics();
    expect(await ours.metrics()).toBe(`# HELP ${NAME} ${HELP}\n# TYPE ${NAME} histogram\n`);
    duration.seriesFor('GET', '/health', 200).observe(0.001);
    expect(await ours.metrics()).toContain(`${NAME}_count{method="GET",route="/health",status_code="200"} 1`);
  });
});
