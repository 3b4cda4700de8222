import { Logger, type LoggerService, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { JsonObject } from '../core/token-rules.js';
import { importKeySet } from './jwk-import.js';
import { fetchJwks, type JwksFetcher } from './jwks-fetcher.js';
import { KeySet } from './key-set.js';
import { KeySource, type KeySourceStatus } from './key-source.js';
import {
  DEFAULT_REFRESH_MS,
  UNKNOWN_KID_COOLDOWN_MS,
  refreshDelayMs,
  retryDelayMs,
} from './refresh-timing.js';

export interface RemoteKeySourceOptions {
  readonly fetcher?: JwksFetcher;
  readonly now?: () => number;
  readonly logger?: Pick<LoggerService, 'log' | 'warn' | 'error'>;
}

/**
 * AUTH_JWT_JWKS_URL: the identity provider's key set, fetched at module init (without
 * blocking startup: until it is loaded /health answers 503), refreshed in the
 * background as its Cache-Control asks, and at once, at most every 30 s, when a token
 * names a kid the set does not hold. A failed fetch never drops the keys already held.
 */
export class RemoteKeySource extends KeySource implements OnModuleInit, OnModuleDestroy {
  private current: KeySet | undefined;
  private loads = 0;
  /** The one fetch running now; everyone who needs a fetch meanwhile shares it. */
  private inFlight: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private regularMs = DEFAULT_REFRESH_MS;
  private lastUnknownKidFetch = Number.NEGATIVE_INFINITY;
  private lastIgnored = '';
  private destroyed = false;
  private readonly shutdown = new AbortController();
  private readonly fetcher: JwksFetcher;
  private readonly now: () => number;
  private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'error'>;
  private readonly label: string;

  constructor(
    private readonly url: string,
    private readonly algorithms: readonly Algorithm[],
    options: RemoteKeySourceOptions = {},
  ) {
    super();
    this.fetcher = options.fetcher ?? fetchJwks;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? new Logger('KeySet');
    this.label = `Key set ${displayUrl(url)}`;
  }

  onModuleInit(): void {
    // Started, not awaited: an unreachable provider makes a server that is not ready
    // yet, not one that fails to start.
    void this.refresh();
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
    this.shutdown.abort();
  }

  status(): KeySourceStatus {
    return {
      ready: this.current !== undefined,
      keySet: {
        url: displayUrl(this.url),
        keys: this.current?.size ?? 0,
        fetchedAt: this.current?.fetchedAt.toISOString() ?? null,
        ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      },
    };
  }

  keysFor(header: JsonObject): readonly KeyObject[] | undefined {
    return this.current?.keysFor(header);
  }

  refreshForUnknownKid(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    const now = this.now();
    if (now - this.lastUnknownKidFetch < UNKNOWN_KID_COOLDOWN_MS) return Promise.resolve(false);
    this.lastUnknownKidFetch = now;
    return this.refresh();
  }

  /** Fetches the set now, or joins the fetch already running; true when a set was loaded. */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  override get version(): number {
    return this.loads;
  }

  private async load(): Promise<boolean> {
    clearTimeout(this.timer);
    try {
      const fetched = await this.fetcher(this.url, this.shutdown.signal);
      const imported = importKeySet(fetched.body, this.algorithms);
      this.reportIgnored(imported.ignored);
      if (imported.entries.length === 0) {
        throw new Error(`holds no usable key for [${this.algorithms.join(', ')}]`);
      }
      const before = this.current && this.describe();
      this.current = new KeySet(this.url, imported.entries, new Date(this.now()));
      this.loads += 1;
      this.failures = 0;
      this.lastError = undefined;
      this.regularMs = refreshDelayMs(fetched.cacheControl);
      // Logged on the first load and whenever the provider's keys change (a rotation).
      if (before !== this.describe()) {
        this.logger.log(`${this.label} loaded: ${this.describe()}; refreshed every ${this.regularMs / 1000} s`);
      }
      this.schedule(this.regularMs);
      return true;
    } catch (error) {
      if (this.destroyed) return false;
      this.failures += 1;
      this.lastError = (error as Error).message;
      const delay = retryDelayMs(this.failures, this.regularMs);
      const state = this.current
        ? `keeping the ${this.current.size} key(s) already held`
        : 'not ready until it loads';
      this.logger.error(`${this.label} ${this.lastError}; ${state}; next try in ${delay / 1000} s`);
      this.schedule(delay);
      return false;
    }
  }

  private schedule(ms: number): void {
    if (this.destroyed) return;
    clearTimeout(this.timer);
    // unref: a pending refresh never keeps the process alive.
    this.timer = setTimeout(() => void this.refresh(), ms).unref();
  }

  /** Unusable keys are logged when the set changes, not on every refresh. */
  private reportIgnored(lines: readonly string[]): void {
    const joined = lines.join('\n');
    if (joined === this.lastIgnored) return;
    this.lastIgnored = joined;
    for (const line of lines) this.logger.warn(`${this.label}: ${line}`);
  }

  private describe(): string {
    const kids = this.current!.entries.map((entry) => entry.kid ?? '(no kid)');
    return `${kids.length} key(s), kid ${kids.join(', ')}`;
  }
}

/** The URL as logged and shown on /health: any credentials in it masked. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return url;
  }
}
