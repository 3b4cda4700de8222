import { KeySetFetchError } from './jwks-fetcher.js';
import { DEFAULT_REFRESH_MS, UNKNOWN_KID_COOLDOWN_MS, refreshDelayMs, retryDelayMs } from './refresh-timing.js';

/** What the schedule did with a failed fetch, for the source's log line. */
export interface FailedFetch {
  readonly failure: KeySetFetchError;
  /** When the next try is. */
  readonly delay: number;
}

/**
 * When a remote key set or discovery document is fetched (docs/protocol.md §8, §16), for
 * both sources: the source says what one fetch does (`load`), this says when. One fetch at
 * a time, which callers meanwhile share; again as the answer's Cache-Control says; sooner
 * after a failure, backing off; at once for an unknown kid, at most every 30 s; after an
 * answer a retry would only repeat (too large, a redirect), not at once at all.
 */
export class FetchSchedule {
  private inFlight: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private regularMs = DEFAULT_REFRESH_MS;
  private lastUnknownKidTry = Number.NEGATIVE_INFINITY;
  private noFetchBefore = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly shutdown = new AbortController();
  /** The last failure in fixed words (KeySetFetchError.publicReason), for /health. */
  lastError: string | undefined;

  constructor(
    private readonly load: () => Promise<boolean>,
    private readonly now: () => number,
  ) {}

  /** Aborts a fetch under way when the app shuts down. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  /** Fetches now, or joins the fetch running; resolves with what `load` says. */
  run(): Promise<boolean> {
    if (this.inFlight === undefined) {
      clearTimeout(this.timer);
      this.inFlight = this.load().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  /** A token named a kid nobody holds: fetch at once, unless that was done within 30 s. */
  runForUnknownKid(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    const now = this.now();
    if (now - this.lastUnknownKidTry < UNKNOWN_KID_COOLDOWN_MS || now < this.noFetchBefore) return Promise.resolve(false);
    this.lastUnknownKidTry = now;
    return this.run();
  }

  /** A fetch succeeded: the next is as its Cache-Control says. Returns that period, in ms. */
  succeeded(cacheControl: string | null | undefined): number {
    this.failures = 0;
    this.lastError = undefined;
    this.noFetchBefore = Number.NEGATIVE_INFINITY;
    this.regularMs = refreshDelayMs(cacheControl);
    this.next(this.regularMs);
    return this.regularMs;
  }

  /** A fetch failed: the next is sooner, backing off. Undefined once stopped (the failure is the shutdown's). */
  failed(error: unknown): FailedFetch | undefined {
    if (this.stopped) return undefined;
    this.failures += 1;
    const failure = error instanceof KeySetFetchError ? error : new KeySetFetchError((error as Error).message, 'fetch failed');
    this.lastError = failure.publicReason;
    let delay = retryDelayMs(this.failures, this.regularMs);
    if (failure.retryLater) {
      delay = Math.max(delay, UNKNOWN_KID_COOLDOWN_MS);
      this.noFetchBefore = this.now() + delay;
    }
    this.next(delay);
    return { failure, delay };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.shutdown.abort();
  }

  private next(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    // unref: a pending refresh never keeps the process alive.
    this.timer = setTimeout(() => void this.run(), ms).unref();
  }
}
