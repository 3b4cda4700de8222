import type { Metric, Registry } from 'prom-client';
import { loadOptionalPeer } from '../options/optional-peer.js';
import type { CountMetric, LabelledCounter, ScrapedGauge } from './counts.js';
import type { DurationHistogram } from './duration-histogram.js';

type PromClient = typeof import('prom-client');

/** What the core counts, as the registry reads it. */
export interface CountedMetrics {
  readonly counts: readonly (CountMetric | LabelledCounter<string>)[];
  readonly histograms: readonly DurationHistogram[];
  readonly scrapedGauges: readonly ScrapedGauge[];
}

/** A registry that writes out the core's counts, and takes scraped gauges added later. */
export interface PrometheusExport {
  readonly registry: Registry;
  addScrapedGauge(gauge: ScrapedGauge): void;
}

/**
 * A prom-client registry of its own (never the global one) whose metrics read the
 * core's counts when scraped: the counting costs no prom-client work per request, and
 * prom-client, an optional peer, is loaded only here.
 */
export function prometheusRegistry(metrics: CountedMetrics): PrometheusExport {
  const client = loadOptionalPeer<PromClient>('prom-client', 'GatehouseMetricsModule');
  const registry = new client.Registry();
  for (const metric of metrics.counts) register(client, registry, metric);
  // The registry reads a metric through get() and reset() only; the cast is for its type.
  for (const histogram of metrics.histograms) registry.registerMetric(histogram as unknown as Metric);
  client.collectDefaultMetrics({ register: registry });
  const addScrapedGauge = ({ name, help, read }: ScrapedGauge) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  for (const gauge of metrics.scrapedGauges) addScrapedGauge(gauge);
  return { registry, addScrapedGauge };
}

/** One core metric as a prom-client Counter or Gauge set from the core's values at each scrape. */
function register(client: PromClient, registry: Registry, metric: CountMetric | LabelledCounter<string>): void {
  if ('labelNames' in metric) {
    new client.Counter({
      name: metric.name,
      help: metric.help,
      labelNames: metric.labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, value } of metric.series()) this.labels(labels).inc(value);
      },
    });
  } else if (metric.type === 'counter') {
    new client.Counter({
      name: metric.name,
      help: metric.help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(metric.value);
      },
    });
  } else {
    new client.Gauge({
      name: metric.name,
      help: metric.help,
      registers: [registry],
      collect() {
        this.set(metric.value);
      },
    });
  }
}
