import { AuthFailure } from '../core/auth-failure.js';
import { nowInSeconds, type ValidatedToken, type ValidationResult } from '../core/validate-token.js';
import { TokenVerifier } from '../core/token-verifier.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';
import { DEFAULT_RIGHTS_PATHS, noteRights, type RightsPaths } from '../core/rights.js';

export type CheckResult = ValidatedToken | AuthFailure;

/**
 * What both JWT modes share: remember the tokens that passed, so a repeated token
 * costs a map lookup. Each mode says only how it checks a token.
 */
export abstract class JwtVerifier extends TokenVerifier {
  abstract readonly mode: 'secure' | 'insecure';
  protected abstract readonly cache: VerifiedTokenCache;
  private cachedKeysVersion = 0;

  /** `rights`: where scopes, roles and channels are read (docs/protocol.md §15), once per verified token. */
  constructor(private readonly rights: RightsPaths = DEFAULT_RIGHTS_PATHS) {
    super();
  }

  /** docs/protocol.md §3 for one token at `now`; a promise only when keys must be fetched first. */
  protected abstract check(token: string, now: number): CheckResult | Promise<CheckResult>;

  /** Changes when the verification keys change (a key set refresh); 0 when they never do. */
  protected keysVersion(): number {
    return 0;
  }

  /** Synchronous whenever no key has to be fetched first (nearly always). */
  verify(token: string): ValidationResult | Promise<ValidationResult> {
    const now = nowInSeconds();
    const version = this.keysVersion();
    if (version !== this.cachedKeysVersion) {
      this.cache.clear();
      this.cachedKeysVersion = version;
    }
    const cached = this.cache.get(token, now);
    if (cached !== undefined) return cached;
    const checked = this.check(token, now);
    return checked instanceof Promise
      ? checked.then((result) => this.remember(token, result, now, version))
      : this.remember(token, checked, now, version);
  }

  private remember(token: string, result: CheckResult, now: number, version: number): ValidationResult {
    if (result instanceof AuthFailure) return result;
    // The payload is at hand only here; the cache then serves this session, rights included.
    noteRights(result.session, result.payload, this.rights);
    // Keys replaced while this check waited: its result is right, but not for the cache.
    if (version === this.keysVersion()) this.cache.set(token, result.session, result.payload, now);
    return result.session;
  }
}
