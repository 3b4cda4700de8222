import { Logger, type LoggerService, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import type { Algorithm } from '../core/algorithms.js';
import type { JsonObject } from '../core/token-rules.js';
import { importKeySet, type ImportedKeySet } from './jwk-import.js';
import { FetchSchedule } from './fetch-schedule.js';
import { KeySetFetchError, fetchJwks, type JwksFetcher } from './jwks-fetcher.js';
import { KeySet } from './key-set.js';
import { KeySource, type KeySourceStatus } from './key-source.js';

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
  private lastIgnored = '';
  private readonly schedule: FetchSchedule;
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
    this.schedule = new FetchSchedule(() => this.load(), this.now);
  }

  onModuleInit(): void {
    // Started, not awaited: an unreachable provider makes a server that is not ready
    // yet, not one that fails to start.
    void this.refresh();
  }

  onModuleDestroy(): void {
    this.schedule.stop();
  }

  /** Public (on /health): counts and fixed phrases only, never the URL or an error's text. */
  status(): KeySourceStatus {
    const ready = this.current !== undefined;
    const { lastError } = this.schedule;
    const notLoaded = `identity provider key set not loaded yet${lastError !== undefined ? `: ${lastError}` : ''}`;
    return {
      ready,
      ...(ready ? {} : { message: notLoaded }),
      keySet: {
        keys: this.current?.size ?? 0,
        fetchedAt: this.current?.fetchedAt.toISOString() ?? null,
        ...(lastError !== undefined ? { lastError } : {}),
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
    return this.schedule.runForUnknownKid();
  }

  /** Fetches the set now, or joins the fetch already running; true when a set was loaded. */
  refresh(): Promise<boolean> {
    return this.schedule.run();
  }

  override get version(): number {
    return this.loads;
  }

  private async load(): Promise<boolean> {
    try {
      const fetched = await this.fetcher(this.url, this.schedule.signal);
      const imported = this.importKeys(fetched.body);
      const before = this.current && this.describe();
      this.current = new KeySet(this.url, imported.entries, new Date(this.now()));
      this.loads += 1;
      const every = this.schedule.succeeded(fetched.cacheControl);
      // Logged on the first load and whenever the provider's keys change (a rotation).
      if (before !== this.describe()) {
        this.logger.log(`${this.label} loaded: ${this.describe()}; refreshed every ${every / 1000} s`);
      }
      this.changed();
      return true;
    } catch (error) {
      const failed = this.schedule.failed(error);
      if (failed === undefined) return false;
      const state = this.current ? `keeping the ${this.current.size} key(s) already held` : 'not ready until it loads';
      this.logger.error(`${this.label} ${this.redact(failed.failure.message)}; ${state}; next try in ${failed.delay / 1000} s`);
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
