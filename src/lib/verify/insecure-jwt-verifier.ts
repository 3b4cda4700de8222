import type { InsecureAuthConfig } from '../options/settings.js';
import { validateTokenWithPayload, type ValidationPolicy } from '../core/validate-token.js';
import { policyFor } from './validation-policy.js';
import { VerifiedTokenCache } from './verified-token-cache.js';
import { JwtVerifier, type CheckResult } from './jwt-verifier.js';
import type { RightsPaths } from '../core/rights.js';

/**
 * AUTH_MODE=insecure, for development and tests: unsigned (`alg: none`) tokens and
 * tokens signed with any key are accepted alike; only shape, times and `sub` count.
 */
export class InsecureJwtVerifier extends JwtVerifier {
  readonly mode = 'insecure' as const;
  protected readonly cache: VerifiedTokenCache;
  private readonly policy: ValidationPolicy;

  constructor(config: InsecureAuthConfig, rights?: RightsPaths) {
    super(rights);
    this.policy = policyFor(config);
    this.cache = new VerifiedTokenCache(config.clockTolerance);
  }

  protected check(token: string, now: number): CheckResult {
    return validateTokenWithPayload(token, this.policy, now);
  }
}
