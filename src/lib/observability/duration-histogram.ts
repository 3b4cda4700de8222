/** The labels of gatehouse_http_request_duration_seconds, in the order they are written. */
export interface DurationLabels {
  readonly method: string;
  readonly route: string;
  readonly status_code: string;
}

/** One series of the histogram: its own count per bucket (not cumulative), sum and count. */
export class DurationSeries {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last: above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: DurationLabels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = Array.from({ length: bounds.length + 1 }, () => 0);
  }

  observe(seconds: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]) bucket++;
    this.counts[bucket] += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

interface Sample {
  readonly metricName: string;
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels?: DurationLabels;
  /** What prom-client's Histogram sets on bucket samples when exemplars are off. */
  readonly exemplar?: null;
}

/**
 * A histogram observed on every HTTP request. prom-client's Histogram validates and
 * hashes the labels on every observe() (about 1.5 µs of a request's CPU under load);
 * here a series is found by route, method and status (interned strings and a number,
 * no key built) and counted in place. prom-client's registry still writes it out:
 * get() hands it the samples a prom-client Histogram would, so /metrics shows the same
 * lines in the same order. prom-client reads it through get() and reset() only
 * (getForPromString, when present, for the text format): see prometheus-registry.ts.
 */
export class DurationHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly byRoute = new Map<string, Map<string, Map<number, DurationSeries>>>();
  /** Every series in the order it was first observed: the order prom-client writes them in. */
  private readonly created: DurationSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}

  /** The series for these labels, created on first use. */
  seriesFor(method: string, route: string, statusCode: number): DurationSeries {
    const byStatus = entry(
      entry(this.byRoute, route, () => new Map()),
      method,
      () => new Map(),
    );
    return entry(byStatus, statusCode, () => {
      const series = new DurationSeries({ method, route, status_code: String(statusCode) }, this.bounds);
      this.created.push(series);
      return series;
    });
  }

  /** Samples as prom-client's Histogram gives them to the text format: bucket labels apart from the series'. */
  getForPromString(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    for (const series of this.created) {
      const shared = { sharedLabels: series.labels, exemplar: null };
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i];
        values.push({ metricName: `${this.name}_bucket`, value: cumulative, labels: { le: bound }, ...shared });
      });
      values.push({ metricName: `${this.name}_bucket`, value: series.count, labels: { le: '+Inf' }, ...shared });
      values.push({ metricName: `${this.name}_sum`, value: series.sum, labels: {}, sharedLabels: series.labels });
      values.push({ metricName: `${this.name}_count`, value: series.count, labels: {}, sharedLabels: series.labels });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** The same samples with every label in `labels` (getMetricsAsJSON), as prom-client's Histogram.get(). */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const metric = await this.getForPromString();
    const values = metric.values.map(({ sharedLabels, labels, ...sample }) => ({ ...sample, labels: { ...labels, ...sharedLabels } }));
    return { ...metric, values };
  }

  reset(): void {
    this.byRoute.clear();
    this.created.length = 0;
  }
}

/** map.get(key), or what `create` makes, stored under key first. */
function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
