import { FETCH_TIMEOUT_MS } from './refresh-timing.js';

// One HTTP GET of a key set (or of an OpenID discovery document, with the same limits). Every way it can go wrong becomes a KeySetFetchError
// whose message is a log line an operator can act on, and whose publicReason is a
// fixed phrase that /health may show (never a URL or an error's internals).

export interface FetchedKeySet {
  /** The parsed JSON body; what it holds is checked by importKeySet. */
  readonly body: unknown;
  readonly cacheControl: string | null;
}

export type JwksFetcher = (url: string, signal?: AbortSignal) => Promise<FetchedKeySet>;

/** A key set is a few kilobytes; anything this large is not one. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class KeySetFetchError extends Error {
  constructor(
    /** The full detail, for the server log (it never holds the URL). */
    message: string,
    /** What /health may say: a fixed phrase, an HTTP status at most. */
    readonly publicReason: string,
    /**
     * The provider answered something that will not turn into a key set soon and is
     * costly or pointless to ask for again at once (a redirect, a huge body).
     */
    readonly retryLater = false,
  ) {
    super(message);
  }
}

const TOO_LARGE = () =>
  new KeySetFetchError(
    `answered more than ${MAX_BODY_BYTES} bytes, which is not a key set`,
    'fetch failed (answer larger than 1 MiB)',
    true,
  );

export function fetchJwks(url: string, signal?: AbortSignal, timeoutMs: number = FETCH_TIMEOUT_MS): Promise<FetchedKeySet> {
  return fetchJsonDocument(url, signal, {
    timeoutMs,
    accept: 'application/json, application/jwk-set+json',
    redirectHint: "set AUTH_JWT_JWKS_URL to the key set's own address",
  });
}

/** What differs between the JSON documents fetched from a provider (a key set, a discovery document). */
export interface JsonDocumentKind {
  readonly timeoutMs: number;
  readonly accept: string;
  /** Said, in the log, of a redirect: what the operator should configure instead. */
  readonly redirectHint: string;
}

/** One GET of a provider's JSON document, with every limit of a key set fetch. */
export async function fetchJsonDocument(url: string, signal: AbortSignal | undefined, kind: JsonDocumentKind): Promise<FetchedKeySet> {
  const { timeoutMs } = kind;
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let bytes: Uint8Array;
  try {
    response = await fetch(url, {
      headers: { accept: kind.accept },
      // A redirect could send the fetch anywhere (another host, an internal address):
      // the configured URL must be the document itself.
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    refuseBeforeReading(response, kind.redirectHint);
    bytes = await readAtMost(response.body, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof KeySetFetchError) throw error;
    if (timeout.aborted) throw new KeySetFetchError(`no answer within ${timeoutMs} ms`, 'fetch failed (no answer in time)');
    throw networkFailure(error as Error);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw new KeySetFetchError(
      `answered something that is not JSON (content-type ${response.headers.get('content-type') ?? 'unset'})`,
      'fetch failed (answer is not JSON)',
    );
  }
  return { body, cacheControl: response.headers.get('cache-control') };
}

/** Throws, without reading the body, for an answer that cannot be a key set. */
function refuseBeforeReading(response: Response, redirectHint: string): void {
  let failure: KeySetFetchError | undefined;
  if (response.status >= 300 && response.status < 400) {
    failure = new KeySetFetchError(
      `answered HTTP ${response.status} (a redirect, which is not followed: ${redirectHint})`,
      `fetch failed (HTTP ${response.status} redirect, not followed)`,
      true,
    );
  } else if (!response.ok) {
    failure = new KeySetFetchError(`answered HTTP ${response.status}`, `fetch failed (HTTP ${response.status})`);
  } else if (Number(response.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) {
    failure = TOO_LARGE(); // said so up front
  }
  if (failure === undefined) return;
  void response.body?.cancel().catch(() => undefined);
  throw failure;
}

/**
 * The body, counted as it arrives: past `limit` bytes the stream is cancelled (which
 * closes the connection), so a huge or endless body costs at most `limit` in memory.
 */
async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      void reader.cancel().catch(() => undefined);
      throw TOO_LARGE();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/**
 * A request that got no HTTP answer. The log keeps the cause's own text (for TLS it
 * is OpenSSL's); /health gets a category.
 */
function networkFailure(error: Error): KeySetFetchError {
  const cause = (error as Error & { cause?: Error & { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  return new KeySetFetchError(`request failed: ${cause?.message ?? error.message}`, `fetch failed (${networkCategory(code)})`);
}

function networkCategory(code: string): string {
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (/SSL|TLS|CERT|SELF_SIGNED|UNABLE_TO_/.test(code)) return 'TLS error';
  return 'connection failed';
}
