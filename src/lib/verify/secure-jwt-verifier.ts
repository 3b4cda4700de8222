import type { SecureAuthConfig } from '../options/settings.js';
import { AuthFailure } from '../core/auth-failure.js';
import type { KeySource } from '../keys/key-source.js';
import { nowInSeconds, validateTokenWithPayload, type ValidationPolicy } from '../core/validate-token.js';
import { policyFor } from './validation-policy.js';
import { VerifiedTokenCache } from './verified-token-cache.js';
import { JwtVerifier, type CheckResult } from './jwt-verifier.js';

/**
 * AUTH_MODE=secure, the default: the signature is verified with the configured
 * algorithm(s) and the key source's keys, iat and exp are required, iss/aud checked
 * when set.
 */
export class SecureJwtVerifier extends JwtVerifier {
  readonly mode = 'secure' as const;
  protected readonly cache: VerifiedTokenCache;
  private readonly policy: ValidationPolicy;

  constructor(
    config: SecureAuthConfig,
    private readonly keySource: KeySource,
  ) {
    super();
    this.policy = policyFor(config, (header) => keySource.keysFor(header));
    this.cache = new VerifiedTokenCache(config.clockTolerance);
  }

  protected override keysVersion(): number {
    return this.keySource.version;
  }

  protected check(token: string, now: number): CheckResult | Promise<CheckResult> {
    const result = validateTokenWithPayload(token, this.policy, now);
    if (!(result instanceof AuthFailure) || result.reason !== 'key_not_found') return result;
    return this.retryWithFreshKeys(token, result);
  }

  // A kid the key set does not hold may be a key the provider just started using:
  // refetch (rate-limited, shared with concurrent requests) and try once more.
  private async retryWithFreshKeys(token: string, failure: AuthFailure): Promise<CheckResult> {
    const refreshed = await this.keySource.refreshForUnknownKid();
    return refreshed ? validateTokenWithPayload(token, this.policy, nowInSeconds()) : failure;
  }
}
