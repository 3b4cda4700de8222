import { Logger, type LoggerService, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { JsonObject } from '../core/token-rules.js';
import { discover, type DiscoveryFetcher } from './discovery.js';
import { FetchSchedule } from './fetch-schedule.js';
import { KeySource, type KeySourceStatus } from './key-source.js';
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
  private readonly schedule: FetchSchedule;
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  private readonly label: string;

  constructor(
    private readonly issuer: string,
    private readonly algorithms: readonly Algorithm[],
    private readonly options: DiscoveryKeySourceOptions = {},
  ) {
    super();
    this.logger = options.logger ?? new Logger('KeySet');
    this.label = `OpenID discovery for ${displayUrl(issuer)}`;
    this.schedule = new FetchSchedule(() => this.load(), options.now ?? Date.now);
  }

  onModuleInit(): void {
    void this.discover();
  }

  onModuleDestroy(): void {
    this.schedule.stop();
    this.keys?.onModuleDestroy();
  }

  /** Public (on /health): fixed phrases only, as RemoteKeySource's. */
  status(): KeySourceStatus {
    if (this.keys !== undefined) return this.keys.status();
    return {
      ready: false,
      message: `OpenID discovery not done yet${this.schedule.lastError !== undefined ? `: ${this.schedule.lastError}` : ''}`,
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
    return this.schedule.runForUnknownKid();
  }

  override get version(): number {
    return this.generation;
  }

  /** Fetches the document now, or joins the fetch running; true when keys are loaded after it. */
  discover(): Promise<boolean> {
    return this.schedule.run();
  }

  private async load(): Promise<boolean> {
    try {
      const found = await discover(this.issuer, this.schedule.signal, this.options.discoveryFetcher);
      const every = this.schedule.succeeded(found.cacheControl);
      if (this.keys !== undefined && found.jwksUri === this.jwksUri) return this.keys.ready;
      this.logger.log(`${this.label}: key set at ${displayUrl(found.jwksUri)}; document refreshed every ${every / 1000} s`);
      return await this.use(found.jwksUri).refresh();
    } catch (error) {
      const failed = this.schedule.failed(error);
      if (failed === undefined) return false;
      const state = this.keys ? 'keeping the key set already found' : 'not ready until it succeeds';
      this.logger.error(`${this.label} failed: ${failed.failure.message}; ${state}; next try in ${failed.delay / 1000} s`);
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
}
