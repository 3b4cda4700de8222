import { Injectable } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { TOKEN_REASONS, WS_REASONS } from '../core/auth-failure.js';
import { CountMetric, LabelledCounter, type Count, type ScrapedGauge } from './counts.js';
import { DurationHistogram } from './duration-histogram.js';
import { prometheusRegistry, type PrometheusExport } from './prometheus-registry.js';

export type Transport = 'http' | 'ws';

/**
 * Every Gatehouse metric, counted in place by GatehouseModule whether or not anything
 * serves them: plain numbers, no prom-client (an optional peer). `registry` builds the
 * Prometheus registry that writes them out, on first use (GatehouseMetricsModule): a
 * registry of this app's own, not prom-client's global one, so that several apps in one
 * process (tests) never collide over names.
 */
@Injectable()
export class GatehouseMetrics {
  readonly authTotal = new LabelledCounter(
    'gatehouse_auth_total',
    'Authentication attempts by transport, outcome (accepted, rejected, rate_limited, unavailable) and reason',
    ['transport', 'outcome', 'reason'] as const,
  );

  readonly openSockets = new CountMetric(
    'gatehouse_ws_open_sockets',
    'WebSocket connections currently open, authenticated or not',
    'gauge',
  );

  readonly authenticatedSessions = new CountMetric(
    'gatehouse_ws_authenticated_sessions',
    'WebSocket connections currently holding a valid session',
    'gauge',
  );

  readonly refreshes = new CountMetric(
    'gatehouse_ws_session_refreshes_total',
    'Sessions replaced by a new token over an open WebSocket',
    'counter',
  );

  readonly expiryCloses = new CountMetric(
    'gatehouse_ws_expiry_closes_total',
    'WebSockets closed with 4001 because their session expired without a refresh',
    'counter',
  );

  readonly limitedAddresses = new CountMetric(
    'gatehouse_auth_limiter_tracked_addresses',
    'Client addresses the failed-authentication limiter currently tracks',
    'gauge',
  );

  // Observed on every request: counted in place (see DurationHistogram), written out as prom-client's Histogram would be.
  readonly httpDuration = new DurationHistogram(
    'gatehouse_http_request_duration_seconds',
    'HTTP request duration by method, route pattern and status code',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  );

  /** Gauges read on each scrape, in the order they were added. */
  readonly scrapedGauges: ScrapedGauge[] = [];

  /** The accepted series, held so that the success path (every request) is one addition. */
  private readonly accepted: Record<Transport, Count>;
  private built: PrometheusExport | undefined;

  constructor() {
    // Zero series for every known rejection, so rate() and alerts work from the start.
    for (const transport of ['http', 'ws'] as const) {
      this.authTotal.labels(transport, 'accepted', 'none');
      this.authTotal.labels(transport, 'rate_limited', 'rate_limited');
      for (const reason of TOKEN_REASONS) this.authTotal.labels(transport, 'rejected', reason);
    }
    for (const reason of WS_REASONS) this.authTotal.labels('ws', 'rejected', reason);
    this.accepted = { http: this.authTotal.labels('http', 'accepted', 'none'), ws: this.authTotal.labels('ws', 'accepted', 'none') };
  }

  /** One accepted authentication (gatehouse_auth_total{outcome="accepted"}). */
  countAccepted(transport: Transport): void {
    this.accepted[transport].value += 1;
  }

  /** A gauge whose value is read from `read` each time /metrics is scraped. */
  gaugeReadOnScrape(name: string, help: string, read: () => number): void {
    const gauge = { name, help, read };
    this.scrapedGauges.push(gauge);
    this.built?.addScrapedGauge(gauge);
  }

  /**
   * The Prometheus registry of these metrics (and Node's default ones), built on first
   * use. Loads prom-client: a ConfigurationError naming it when it is not installed.
   */
  get registry(): Registry {
    this.built ??= prometheusRegistry({
      counts: [this.authTotal, this.openSockets, this.authenticatedSessions, this.refreshes, this.expiryCloses, this.limitedAddresses],
      histograms: [this.httpDuration],
      scrapedGauges: this.scrapedGauges,
    });
    return this.built.registry;
  }
}
