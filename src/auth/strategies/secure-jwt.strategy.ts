import type { SecureAuthConfig } from '../../config/env.schema.js';
import { AuthFailure } from '../auth-failure.js';
import type { KeySource } from '../key-set/key-source.js';
import { validateToken, type ValidationPolicy, type ValidationResult } from '../validate-token.js';
import { policyFor } from '../validation-policy.js';
import { JwtStrategy } from './jwt.strategy.js';

/**
 * AUTH_MODE=secure, the default: the signature is verified with the configured
 * algorithm(s) and the key source's keys, iat and exp are required, iss/aud checked
 * when set.
 */
export class SecureJwtStrategy extends JwtStrategy {
  readonly mode = 'secure' as const;
  private readonly policy: ValidationPolicy;

  constructor(
    config: SecureAuthConfig,
    private readonly keySource: KeySource,
  ) {
    super();
    this.policy = policyFor(config, (header) => keySource.keysFor(header));
  }

  async verify(token: string): Promise<ValidationResult> {
    const result = validateToken(token, this.policy);
    if (!(result instanceof AuthFailure) || result.reason !== 'key_not_found') return result;
    // A kid the key set does not hold may be a key the provider just started using:
    // refetch (rate-limited, shared with concurrent requests) and try once more.
    const refreshed = await this.keySource.refreshForUnknownKid();
    return refreshed ? validateToken(token, this.policy) : result;
  }
}
