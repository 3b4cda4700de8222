import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { tokenIdentityOf } from '../core/token-identity.js';
import { GatehouseMetrics } from '../observability/gatehouse-metrics.js';
import { escapeLineBreaks } from '../observability/log-safety.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { FileRevocationStore } from './file-revocation-store.js';
import { RedisRevocationStore } from './redis-revocation-store.js';
import { RevocationList } from './revocation-list.js';
import type { RevocationSink, RevocationStore } from './revocation-store.js';
import { parseRevocationRequest, type Retention, type Revocation } from './revocation.js';

export const TOKEN_REVOKED = new AuthFailure('token_revoked', 'Token has been revoked');

/** What a revocation is asked with: one token (its jti and exp), or a sub's tokens issued before `before` (default: now). */
export type RevocationRequest = { readonly jti: string; readonly exp: number } | { readonly sub: string; readonly before?: number };

/** A revocation request that cannot be stored as it is: `problems` says why, one line each. */
export class InvalidRevocation extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/** How long startup waits for Redis before serving without the revocations (readiness says so). */
const STARTUP_WAIT_MS = 5000;
/** How often entries that no longer cover a valid token are dropped. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Revoked tokens (docs/protocol.md §11). Every authentication asks check(), an
 * in-memory lookup; revoke() and lift() go through the store (a file, or Redis when
 * several processes share it) and reach every process's memory from there. Listeners
 * (the WebSocket sessions) hear of each new revocation, to close the sockets it covers.
 *
 * Exported for host apps: revoke from your own admin screens with
 * `revocations.revoke({ sub: 'alice' })`.
 */
@Injectable()
export class Revocations implements OnModuleInit, OnApplicationShutdown {
  /** false with `revocation: false`: nothing is ever revoked. */
  readonly enabled: boolean;
  private readonly list: RevocationList;
  private readonly store: RevocationStore | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly logger = new Logger('Revocation');
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
    @Inject(RedisConnection) redis: RedisConnection | null,
    @Inject(GatehouseMetrics) metrics: GatehouseMetrics,
  ) {
    const revocation = settings.revocation;
    const retention: Retention = {
      leeway: settings.auth.mode === 'custom' ? 0 : settings.auth.clockTolerance,
      maxTokenLifetimeSeconds: revocation === false ? null : revocation.maxTokenLifetimeSeconds,
    };
    this.list = new RevocationList(retention);
    this.enabled = revocation !== false;
    if (revocation !== false) {
      const { maxEntries } = revocation;
      this.store = redis
        ? new RedisRevocationStore(redis, retention, maxEntries)
        : new FileRevocationStore(revocation.dataDir, retention, { maxEntries });
    }
    this.registerMetrics(metrics);
  }

  /** Gauges read when /metrics is scraped, and a zero series for token_revoked refusals. */
  private registerMetrics(metrics: GatehouseMetrics): void {
    for (const transport of ['http', 'ws'] as const) metrics.authTotal.labels(transport, 'rejected', 'token_revoked').inc(0);
    metrics.gaugeReadOnScrape('gatehouse_revocations_held', 'Revocation entries this process holds in memory', () => this.list.size);
    metrics.gaugeReadOnScrape(
      'gatehouse_revocations_stale',
      '1 while the revocations held here may be stale (Redis unreachable, or not loaded yet), else 0',
      () => (this.staleness === undefined && this.loaded ? 0 : 1),
    );
  }

  async onModuleInit(): Promise<void> {
    if (this.store === undefined) return;
    await this.store.start(this.sink, STARTUP_WAIT_MS);
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.store?.close();
  }

  /** The hot path: TOKEN_REVOKED when the session's token is revoked. Never waits for anything. */
  check(session: Session): AuthFailure | undefined {
    if (this.list.size === 0) return undefined;
    const { jti, issuedAt } = tokenIdentityOf(session);
    return this.list.covers(session.sub, jti, issuedAt) ? TOKEN_REVOKED : undefined;
  }

  /**
   * Stores a revocation and answers the stored entry (a jti or sub already revoked
   * keeps the later exp or cut-off). Rejects with InvalidRevocation for a bad request,
   * StoreUnavailable when it cannot be stored now, RevocationsFull when as many are
   * held as revocation.maxEntries allows (nothing is then revoked). The request
   * is checked whatever its type says: it may come straight from a request body.
   */
  async revoke(request: RevocationRequest): Promise<Revocation> {
    this.assertEnabled();
    const entry = parseRevocationRequest(request, Math.floor(Date.now() / 1000));
    if (Array.isArray(entry)) throw new InvalidRevocation(entry);
    const stored = await this.store!.add(entry);
    const what =
      'jti' in stored
        ? { jti: escapeLineBreaks(stored.jti), exp: stored.exp }
        : { sub: escapeLineBreaks(stored.sub), before: stored.before };
    this.logger.log({ msg: 'token(s) revoked', event: 'revocation_added', id: stored.id, ...what });
    return stored;
  }

  /** Lifts an entry by its id; false when there is none. Rejects with StoreUnavailable. */
  async lift(id: string): Promise<boolean> {
    this.assertEnabled();
    const lifted = await this.store!.remove(id);
    if (lifted) this.logger.log({ msg: 'revocation lifted', event: 'revocation_lifted', id });
    return lifted;
  }

  /** The entry of a sub or of a jti, or every entry. */
  find(query: { readonly sub?: string; readonly jti?: string } = {}): Revocation[] {
    return this.list.find(query);
  }

  get size(): number {
    return this.list.size;
  }

  /** Why the set held here may be incomplete (Redis unreachable, not loaded yet); undefined when current. */
  get staleness(): string | undefined {
    return this.store?.staleness;
  }

  /** The set has been loaded (from the file, or from Redis at least once). */
  get loaded(): boolean {
    return this.store?.loaded ?? true;
  }

  /** Where revocations are stored, in words for logs (never a password). */
  get where(): string {
    return this.store?.description ?? 'nowhere (revocation is off)';
  }

  /** Called after each new revocation, on whichever process it was made. Returns the unsubscribe. */
  onRevoked(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * What the store reports, and only the store: the list held here is what the store
   * loaded or wrote, nothing else (the Redis store writes it back to a Redis that lost its data).
   */
  private readonly sink: RevocationSink = {
    replaceAll: (entries) => {
      this.list.replaceAll(entries);
      this.revoked();
    },
    put: (entry) => {
      this.list.put(entry);
      this.revoked();
    },
    remove: (id) => void this.list.remove(id),
    held: () => this.list.entries(),
  };

  private revoked(): void {
    for (const listener of this.listeners) listener();
  }

  private async sweep(): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    this.list.dropExpired(now);
    await this.store?.tidy(now);
  }

  private assertEnabled(): void {
    if (this.store === undefined) throw new Error('revocation is off (the revocation option is false)');
  }
}
