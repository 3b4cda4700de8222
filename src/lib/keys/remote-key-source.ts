import { Logger, type LoggerService, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { JsonObject } from '../core/token-rules.js';
import { importKeySet, type ImportedKeySet } from './jwk-import.js';
import { KeySetFetchError, failedFetch, fetchJwks, type JwksFetcher } from './jwks-fetcher.js';
import { KeySet } from './key-set.js';
import { KeySource, type KeySourceStatus } from './key-source.js';
import { DEFAULT_REFRESH_MS, UNKNOWN_KID_COOLDOWN_MS, refreshDelayMs } from './refresh-timing.js';

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
  /** The last failure in fixed words (KeySetFetchError.publicReason), for /health. */
  private lastError: string | undefined;
  /** After an answer that is costly to ask for again (too large, a redirect): no fetch at once before this. */
  private noFetchBefore = Number.NEGATIVE_INFINITY;
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

  /** Public (on /health): counts and fixed phrases only, never the URL or an error's text. */
  status(): KeySourceStatus {
    const ready = this.current !== undefined;
    const notLoaded = `identity provider key set not loaded yet${this.lastError !== undefined ? `: ${this.lastError}` : ''}`;
    return {
      ready,
      ...(ready ? {} : { message: notLoaded }),
      keySet: {
        keys: this.current?.size ?? 0,
        fetchedAt: this.current?.fetchedAt.toISOString() ?? null,
        ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      },
    };
  }

  override get ready(): boolean {
    return this.current !== undefined;
  }

  keysFor(header: JsonObject): readonly KeyObject[] | undefined {
    return this.current?.keysFor(header);
  }

  refreshForUnknownKid(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    const now = this.now();
    if (now - this.lastUnknownKidFetch < UNKNOWN_KID_COOLDOWN_MS || now < this.noFetchBefore) return Promise.resolve(false);
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
      const imported = this.importKeys(fetched.body);
      const before = this.current && this.describe();
      this.current = new KeySet(this.url, imported.entries, new Date(this.now()));
      this.loads += 1;
      this.failures = 0;
      this.lastError = undefined;
      this.noFetchBefore = Number.NEGATIVE_INFINITY;
      this.regularMs = refreshDelayMs(fetched.cacheControl);
      // Logged on the first load and whenever the provider's keys change (a rotation).
      if (before !== this.describe()) {
        this.logger.log(`${this.label} loaded: ${this.describe()}; refreshed every ${this.regularMs / 1000} s`);
      }
      this.schedule(this.regularMs);
      this.changed();
      return true;
    } catch (error) {
      if (this.destroyed) return false;
      this.failures += 1;
      const { failure, delay, noFetchBefore } = failedFetch(error, this.failures, this.regularMs, this.now());
      this.lastError = failure.publicReason;
      if (noFetchBefore !== undefined) this.noFetchBefore = noFetchBefore;
      const state = this.current ? `keeping the ${this.current.size} key(s) already held` : 'not ready until it loads';
      this.logger.error(`${this.label} ${this.redact(failure.message)}; ${state}; next try in ${delay / 1000} s`);
      this.schedule(delay);
      return false;
    }
  }

  /** The usable keys of a fetched body; a body without any is a failed fetch. */
  private importKeys(body: unknown): ImportedKeySet {
    let imported: ImportedKeySet;
    try {
      imported = importKeySet(body, this.algorithms);
    } catch (error) {
      throw new KeySetFetchError((error as Error).message, 'answer is not a JSON Web Key Set');
    }
    this.reportIgnored(imported.ignored);
    if (imported.entries.length === 0) {
      throw new KeySetFetchError(`holds no usable key for [${this.algorithms.join(', ')}]`, 'key set holds no usable key');
    }
    return imported;
  }

  /** An error's text as logged: should it quote the URL, its secrets are masked. */
  private redact(text: string): string {
    return text.split(this.url).join(displayUrl(this.url));
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

/**
 * The URL as logged (never shown on /health): credentials and query values masked, as
 * providers put API keys there (?api_key=...); the parameter names stay, for operators.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    const names = [...parsed.searchParams.keys()];
    parsed.search = names.length > 0 ? `?${names.map((name) => `${encodeURIComponent(name)}=***`).join('&')}` : '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return '(an unparseable URL)';
  }
}
