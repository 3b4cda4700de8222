import { FETCH_TIMEOUT_MS } from './refresh-timing.js';
import { KeySetFetchError, fetchJsonDocument, type FetchedKeySet } from './jwks-fetcher.js';

// OpenID Connect discovery (OpenID Connect Discovery 1.0; docs/protocol.md §16): where an
// issuer's key set is, read from its configuration document, which must name the issuer
// exactly. Fetched with every limit of a key set fetch (no redirects, size cap, timeout).

export type DiscoveryFetcher = (url: string, signal?: AbortSignal) => Promise<FetchedKeySet>;

export interface Discovered {
  /** The key set's URL, as the document gives it. */
  readonly jwksUri: string;
  readonly cacheControl: string | null;
}

/** §4: `/.well-known/openid-configuration` appended to the issuer, less a terminating `/`. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.endsWith('/') ? issuer.slice(0, -1) : issuer}/.well-known/openid-configuration`;
}

export function fetchDiscoveryDocument(url: string, signal?: AbortSignal): Promise<FetchedKeySet> {
  return fetchJsonDocument(url, signal, {
    timeoutMs: FETCH_TIMEOUT_MS,
    accept: 'application/json',
    redirectHint: 'the issuer must serve its discovery document at <issuer>/.well-known/openid-configuration itself',
  });
}

/**
 * The issuer's jwks_uri. Throws a KeySetFetchError (a log line, and a fixed phrase for
 * /health) when the document cannot be fetched, names another issuer (§4.3: compared
 * exactly, a trailing slash included), or has no usable jwks_uri.
 */
export async function discover(
  issuer: string,
  signal?: AbortSignal,
  fetcher: DiscoveryFetcher = fetchDiscoveryDocument,
): Promise<Discovered> {
  const fetched = await fetcher(discoveryUrl(issuer), signal);
  const document = fetched.body;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new KeySetFetchError('discovery document is not a JSON object', 'discovery document is not a JSON object');
  }
  const named = (document as Record<string, unknown>).issuer;
  if (named !== issuer) {
    throw new KeySetFetchError(
      `discovery document names the issuer ${JSON.stringify(named)}, not the configured ${JSON.stringify(issuer)}: refused (OpenID Connect Discovery 1.0 §4.3 asks for an exact match)`,
      'discovery document names another issuer',
      true,
    );
  }
  const jwksUri = (document as Record<string, unknown>).jwks_uri;
  if (typeof jwksUri !== 'string' || !acceptableKeySetUrl(jwksUri, issuer)) {
    throw new KeySetFetchError(
      `discovery document has no usable jwks_uri (${JSON.stringify(jwksUri)}): an http(s) URL is needed, https when the issuer is https`,
      'discovery document has no usable jwks_uri',
      true,
    );
  }
  return { jwksUri, cacheControl: fetched.cacheControl };
}

/** An http(s) URL; never plain http for an https issuer (no downgrade through the document). */
function acceptableKeySetUrl(value: string, issuer: string): boolean {
  try {
    const url = new URL(value);
    if (url.hostname === '') return false;
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && new URL(issuer).protocol === 'http:';
  } catch {
    return false;
  }
}
