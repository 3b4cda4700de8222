import type { KeyObject } from 'node:crypto';
import type { SecureAuthConfig } from '../options/settings.js';
import { AUTH_UNAVAILABLE, AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { KEY_NOT_FOUND, type JsonObject } from '../core/token-rules.js';
import type { KeySource } from '../keys/key-source.js';
import { nowInSeconds, validateTokenWithPayload, type SigningKey, type ValidationPolicy } from '../core/validate-token.js';
import { policyFor } from './validation-policy.js';
import { VerifiedTokenCache } from './verified-token-cache.js';
import { JwtVerifier, type CheckResult } from './jwt-verifier.js';
import type { RightsPaths } from '../core/rights.js';

/**
 * AUTH_MODE=secure, the default: the signature is verified with the configured
 * algorithm(s) and the key source's keys, iat and exp are required, iss/aud checked
 * when set.
 */
export class SecureJwtVerifier extends JwtVerifier {
  readonly mode = 'secure' as const;
  protected readonly cache: VerifiedTokenCache;
  private readonly policy: ValidationPolicy;

  /**
   * Whether tokens get 503 auth_unavailable (rather than 401 key_not_found) until the keys
   * are loaded: with discovery and with several issuers (docs/protocol.md §16). A single
   * AUTH_JWT_JWKS_URL keeps its 401 (§8.3).
   */
  private readonly unavailableUntilLoaded: boolean;

  constructor(
    config: SecureAuthConfig,
    private readonly keySource: KeySource,
    rights?: RightsPaths,
    unavailableUntilLoaded = config.keySource.kind === 'discovery',
  ) {
    super(rights);
    this.policy = policyFor(config, (header) => keySource.keysFor(header));
    this.cache = new VerifiedTokenCache(config.clockTolerance);
    this.unavailableUntilLoaded = unavailableUntilLoaded;
  }

  override keysVersion(): number {
    return this.keySource.version;
  }

  protected check(token: string, now: number): CheckResult | Promise<CheckResult> {
    const result = validateTokenWithPayload(token, this.policy, now);
    if (!(result instanceof AuthFailure)) return this.rememberSigner(result);
    if (result.reason !== 'key_not_found') return result;
    return this.retryWithFreshKeys(token, result);
  }

  // A kid the key set does not hold may be a key the provider just started using:
  // refetch (rate-limited, shared with concurrent requests) and try once more.
  private async retryWithFreshKeys(token: string, failure: AuthFailure): Promise<CheckResult> {
    const refreshed = await this.keySource.refreshForUnknownKid();
    if (refreshed) return this.rememberSigner(validateTokenWithPayload(token, this.policy, nowInSeconds()));
    // No key at all yet is not an unknown kid: the provider has not answered.
    return this.unavailableUntilLoaded && !this.keySource.ready ? AUTH_UNAVAILABLE : failure;
  }

  /**
   * Which key verified each session (a session is one token's: the cache hands the same
   * object to every request and socket of that token). A WeakMap: an entry lives as long
   * as its session. About 60-110 bytes per session (docs/limits.md); the header part is
   * shared by every session of one (alg, kid).
   */
  private readonly signers = new WeakMap<Session, { readonly header: KeyHeader; key: KeyObject }>();
  /** One header object per (alg, kid) that verified a token: only kids of the key set ever get here. */
  private readonly headers = new Map<string, Map<unknown, KeyHeader>>();

  private rememberSigner(result: CheckResult): CheckResult {
    // Fixed keys never leave: nothing to remember (a WeakMap entry per session spared).
    if (result instanceof AuthFailure || result.signedWith === undefined || !this.keySource.changes) return result;
    const { alg, kid, key }: SigningKey = result.signedWith;
    let byKid = this.headers.get(alg);
    if (byKid === undefined) this.headers.set(alg, (byKid = new Map()));
    let header = byKid.get(kid);
    if (header === undefined) byKid.set(kid, (header = Object.freeze({ alg, kid })));
    this.signers.set(result.session, { header, key });
    return result;
  }

  /**
   * After the keys changed: a check that refuses (key_not_found) a session whose token
   * the key source no longer offers its key for, i.e. one that would now fail step 3.
   * One check per change, for every live session: each distinct (alg, kid, key) is
   * looked up once, so each socket costs a WeakMap and two Map lookups.
   */
  keysLeftCheck(): (session: Session) => AuthFailure | undefined {
    const found = new Map<KeyHeader, Map<KeyObject, KeyObject | null>>();
    return (session) => {
      const signer = this.signers.get(session);
      if (signer === undefined) return undefined; // not verified here (another verifier's session)
      let byKey = found.get(signer.header);
      if (byKey === undefined) found.set(signer.header, (byKey = new Map()));
      let current = byKey.get(signer.key);
      if (current === undefined) {
        const offered = this.keySource.keysFor(signer.header) ?? [];
        current = offered.find((key) => key === signer.key || key.equals(signer.key)) ?? null;
        byKey.set(signer.key, current);
      }
      if (current === null) return KEY_NOT_FOUND;
      signer.key = current; // the same key, from the new set: the old set can be collected
      return undefined;
    };
  }
}

/** The part of a token's header that picks its keys (KeySource.keysFor reads alg and kid). */
type KeyHeader = Readonly<{ alg: string; kid: unknown }> & JsonObject;
