import { FETCH_TIMEOUT_MS } from './refresh-timing.js';

// One HTTP GET of a key set. Every way it can go wrong becomes an Error whose message
// is a log line an operator can act on.

export interface FetchedKeySet {
  /** The parsed JSON body; what it holds is checked by importKeySet. */
  readonly body: unknown;
  readonly cacheControl: string | null;
}

export type JwksFetcher = (url: string, signal?: AbortSignal) => Promise<FetchedKeySet>;

/** A key set is a few kilobytes; anything this large is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function fetchJwks(
  url: string,
  signal?: AbortSignal,
  timeoutMs: number = FETCH_TIMEOUT_MS,
): Promise<FetchedKeySet> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    // Refused before reading when the server says up front that it is too large.
    if (Number(response.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) {
      await response.body?.cancel();
      throw new Error(`answered more than ${MAX_BODY_BYTES} bytes, which is not a key set`);
    }
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) throw new Error(`no answer within ${timeoutMs} ms`);
    if ((error as Error).message.startsWith('answered ')) throw error;
    const cause = (error as Error & { cause?: Error }).cause;
    throw new Error(`request failed: ${cause?.message ?? (error as Error).message}`);
  }
  if (!response.ok) throw new Error(`answered HTTP ${response.status}`);
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new Error(`answered more than ${MAX_BODY_BYTES} bytes, which is not a key set`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`answered something that is not JSON (content-type ${response.headers.get('content-type') ?? 'unset'})`);
  }
  return { body, cacheControl: response.headers.get('cache-control') };
}
