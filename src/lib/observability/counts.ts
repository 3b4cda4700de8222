/**
 * A number the core keeps for a metric: counted in place, without prom-client (an
 * optional peer, loaded only with GatehouseMetricsModule). inc/dec/set as prom-client's
 * Counter and Gauge have them, so callers read the same either way.
 */
export class Count {
  value = 0;

  inc(by = 1): void {
    this.value += by;
  }

  dec(by = 1): void {
    this.value -= by;
  }

  set(value: number): void {
    this.value = value;
  }
}

/** What a metric is, for the registry that writes it out. */
export interface MetricInfo {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
}

/** One unlabelled metric. */
export class CountMetric extends Count implements MetricInfo {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {
    super();
  }
}

/** A counter with labels: one Count per combination of label values, in the order first used. */
export class LabelledCounter<L extends string> implements MetricInfo {
  readonly type = 'counter';
  private readonly byKey = new Map<string, { readonly labels: Readonly<Record<L, string>>; readonly count: Count }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
  ) {}

  /** The series for these label values (in labelNames' order), created at 0 on first use. */
  labels(...values: string[]): Count {
    const key = values.join('\u0000');
    let series = this.byKey.get(key);
    if (series === undefined) {
      if (values.length !== this.labelNames.length) throw new Error(`${this.name} takes ${this.labelNames.length} label values`);
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]])) as Record<L, string>;
      series = { labels, count: new Count() };
      this.byKey.set(key, series);
    }
    return series.count;
  }

  /** Every series with its labels and value. */
  series(): { labels: Readonly<Record<L, string>>; value: number }[] {
    return [...this.byKey.values()].map(({ labels, count }) => ({ labels, value: count.value }));
  }
}

/** A gauge whose value is read when the metrics are scraped. */
export interface ScrapedGauge {
  readonly name: string;
  readonly help: string;
  readonly read: () => number;
}
