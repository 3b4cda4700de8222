import { Logger, type LoggerService, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { JsonObject } from '../core/token-rules.js';
import { discover, type DiscoveryFetcher } from './discovery.js';
import { failedFetch } from './jwks-fetcher.js';
import { KeySource, type KeySourceStatus } from './key-source.js';
import { DEFAULT_REFRESH_MS, UNKNOWN_KID_COOLDOWN_MS, refreshDelayMs } from './refresh-timing.js';
import { RemoteKeySource, displayUrl, type RemoteKeySourceOptions } from './remote-key-source.js';

export interface DiscoveryKeySourceOptions extends RemoteKeySourceOptions {
  readonly discoveryFetcher?: DiscoveryFetcher;
}

/**
 * An issuer whose keys are found by OpenID Connect discovery: its configuration
 * document gives the jwks_uri, which is then a RemoteKeySource like AUTH_JWT_JWKS_URL
 * (refresh, rotation, unknown kid, limits). The document itself is fetched at module
 * init without blocking startup, and again as its Cache-Control says (within the key
 * set bounds); a jwks_uri that changes brings a new key set. A failed fetch keeps what
 * is held.
 */
export class DiscoveryKeySource extends KeySource implements OnModuleInit, OnModuleDestroy {
  private keys: RemoteKeySource | undefined;
  private jwksUri: string | undefined;
  private stopListening: (() => void) | undefined;
  /** Changes with each load of the current key set and each new key set. */
  private generation = 0;
  private inFlight: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private regularMs = DEFAULT_REFRESH_MS;
  private lastUnknownKidTry = Number.NEGATIVE_INFINITY;
  private noFetchBefore = Number.NEGATIVE_INFINITY;
  private destroyed = false;
  private readonly shutdown = new AbortController();
  private readonly now: () => number;
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  private readonly label: string;

  constructor(
    private readonly issuer: string,
    private readonly algorithms: readonly Algorithm[],
    private readonly options: DiscoveryKeySourceOptions = {},
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? new Logger('KeySet');
    this.label = `OpenID discovery for ${displayUrl(issuer)}`;
  }

  onModuleInit(): void {
    void this.discover();
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
    this.shutdown.abort();
    this.keys?.onModuleDestroy();
  }

  /** Public (on /health): fixed phrases only, as RemoteKeySource's. */
  status(): KeySourceStatus {
    if (this.keys !== undefined) return this.keys.status();
    return {
      ready: false,
      message: `OpenID discovery not done yet${this.lastError !== undefined ? `: ${this.lastError}` : ''}`,
    };
  }

  override get ready(): boolean {
    return this.keys?.ready ?? false;
  }

  keysFor(header: JsonObject): readonly KeyObject[] | undefined {
    return this.keys?.keysFor(header);
  }

  /** With a key set: its own (rate-limited) refetch. Before discovery succeeded: discovery, as rarely. */
  refreshForUnknownKid(): Promise<boolean> {
    if (this.keys !== undefined) return this.keys.refreshForUnknownKid();
    if (this.inFlight) return this.inFlight;
    const now = this.now();
    if (now - this.lastUnknownKidTry < UNKNOWN_KID_COOLDOWN_MS || now < this.noFetchBefore) return Promise.resolve(false);
    this.lastUnknownKidTry = now;
    return this.discover();
  }

  override get version(): number {
    return this.generation;
  }

  /** Fetches the document now, or joins the fetch running; true when keys are loaded after it. */
  discover(): Promise<boolean> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async load(): Promise<boolean> {
    clearTimeout(this.timer);
    try {
      const found = await discover(this.issuer, this.shutdown.signal, this.options.discoveryFetcher);
      this.failures = 0;
      this.lastError = undefined;
      this.noFetchBefore = Number.NEGATIVE_INFINITY;
      this.regularMs = refreshDelayMs(found.cacheControl);
      this.schedule(this.regularMs);
      if (this.keys !== undefined && found.jwksUri === this.jwksUri) return this.keys.ready;
      this.logger.log(`${this.label}: key set at ${displayUrl(found.jwksUri)}; document refreshed every ${this.regularMs / 1000} s`);
      return await this.use(found.jwksUri).refresh();
    } catch (error) {
      if (this.destroyed) return false;
      this.failures += 1;
      const { failure, delay, noFetchBefore } = failedFetch(error, this.failures, this.regularMs, this.now());
      this.lastError = failure.publicReason;
      if (noFetchBefore !== undefined) this.noFetchBefore = noFetchBefore;
      const state = this.keys ? 'keeping the key set already found' : 'not ready until it succeeds';
      this.logger.error(`${this.label} failed: ${failure.message}; ${state}; next try in ${delay / 1000} s`);
      this.schedule(delay);
      return false;
    }
  }

  /** A new key set URL: the old set is dropped (its keys stop verifying), the new one loaded. */
  private use(jwksUri: string): RemoteKeySource {
    const hadKeys = this.keys !== undefined;
    this.stopListening?.();
    this.keys?.onModuleDestroy();
    const keys = new RemoteKeySource(jwksUri, this.algorithms, this.options);
    this.stopListening = keys.onChange(() => {
      this.generation += 1;
      this.changed();
    });
    this.keys = keys;
    this.jwksUri = jwksUri;
    this.generation += 1;
    if (hadKeys) this.changed();
    return keys;
  }

  private schedule(ms: number): void {
    if (this.destroyed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.discover(), ms).unref();
  }
}
