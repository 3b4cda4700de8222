import type { InsecureAuthConfig } from '../../config/env.schema.js';
import { validateToken, type ValidationPolicy, type ValidationResult } from '../validate-token.js';
import { policyFor } from '../validation-policy.js';
import { JwtStrategy } from './jwt.strategy.js';

/**
 * AUTH_MODE=insecure, for development and tests: unsigned (`alg: none`) tokens and
 * tokens signed with any key are accepted alike; only shape, times and `sub` count.
 */
export class InsecureJwtStrategy extends JwtStrategy {
  readonly mode = 'insecure' as const;
  private readonly policy: ValidationPolicy;

  constructor(config: InsecureAuthConfig) {
    super();
    this.policy = policyFor(config);
  }

  verify(token: string): Promise<ValidationResult> {
    return Promise.resolve(validateToken(token, this.policy));
  }
}
