import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { TOKEN_REASONS, WS_REASONS } from '../core/auth-failure.js';
import { DurationHistogram } from './duration-histogram.js';

export type Transport = 'http' | 'ws';

/**
 * Every Gatehouse metric, in a Registry of this app's own (not prom-client's global
 * one), so that several apps in one process (tests) never collide over names.
 */
@Injectable()
export class GatehouseMetrics {
  readonly registry = new Registry();

  /**
   * Accepted authentications not yet in authTotal: the success path runs on every
   * request, and an inc() with labels costs prom-client about 0.5 µs (it hashes the
   * labels each time), so it adds a plain number here and authTotal takes the sum when
   * it is read (its collect hook, run on every scrape).
   */
  private readonly acceptedSinceRead: Record<Transport, number> = { http: 0, ws: 0 };

  readonly authTotal: Counter<'transport' | 'outcome' | 'reason'> = new Counter({
    name: 'gatehouse_auth_total',
    help: 'Authentication attempts by transport, outcome (accepted, rejected, rate_limited, unavailable) and reason',
    labelNames: ['transport', 'outcome', 'reason'] as const,
    registers: [this.registry],
    collect: () => this.addAccepted(),
  });

  readonly openSockets = new Gauge({
    name: 'gatehouse_ws_open_sockets',
    help: 'WebSocket connections currently open, authenticated or not',
    registers: [this.registry],
  });

  readonly authenticatedSessions = new Gauge({
    name: 'gatehouse_ws_authenticated_sessions',
    help: 'WebSocket connections currently holding a valid session',
    registers: [this.registry],
  });

  readonly refreshes = new Counter({
    name: 'gatehouse_ws_session_refreshes_total',
    help: 'Sessions replaced by a new token over an open WebSocket',
    registers: [this.registry],
  });

  readonly expiryCloses = new Counter({
    name: 'gatehouse_ws_expiry_closes_total',
    help: 'WebSockets closed with 4001 because their session expired without a refresh',
    registers: [this.registry],
  });

  readonly limitedAddresses = new Gauge({
    name: 'gatehouse_auth_limiter_tracked_addresses',
    help: 'Client addresses the failed-authentication limiter currently tracks',
    registers: [this.registry],
  });

  // Observed on every request: counted in place (see DurationHistogram), written out as prom-client's Histogram would be.
  readonly httpDuration = new DurationHistogram(
    'gatehouse_http_request_duration_seconds',
    'HTTP request duration by method, route pattern and status code',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    this.registry,
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Zero series for every known rejection, so rate() and alerts work from the start.
    for (const transport of ['http', 'ws'] as const) {
      this.authTotal.labels(transport, 'accepted', 'none').inc(0);
      this.authTotal.labels(transport, 'rate_limited', 'rate_limited').inc(0);
      for (const reason of TOKEN_REASONS) this.authTotal.labels(transport, 'rejected', reason).inc(0);
    }
    for (const reason of WS_REASONS) this.authTotal.labels('ws', 'rejected', reason).inc(0);
  }

  /** One accepted authentication (gatehouse_auth_total{outcome="accepted"}). */
  /** A gauge whose value is read from `read` each time /metrics is scraped. */
  gaugeReadOnScrape(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  countAccepted(transport: Transport): void {
    this.acceptedSinceRead[transport] += 1;
  }

  private addAccepted(): void {
    for (const transport of ['http', 'ws'] as const) {
      const count = this.acceptedSinceRead[transport];
      this.acceptedSinceRead[transport] = 0;
      this.authTotal.labels(transport, 'accepted', 'none').inc(count);
    }
  }
}
