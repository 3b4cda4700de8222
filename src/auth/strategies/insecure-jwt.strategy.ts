import type { InsecureAuthConfig } from '../../config/env.schema.js';
import { validateToken, type InsecurePolicy, type ValidationResult } from '../validate-token.js';
import { JwtStrategy } from './jwt.strategy.js';

/**
 * AUTH_MODE=insecure, for development and tests: unsigned (`alg: none`) tokens and
 * tokens signed with any key are accepted alike; only shape, times and `sub` count.
 */
export class InsecureJwtStrategy extends JwtStrategy {
  readonly mode = 'insecure' as const;
  private readonly policy: InsecurePolicy;

  constructor(config: InsecureAuthConfig) {
    super();
    this.policy = {
      mode: 'insecure',
      namespace: config.namespace,
      clockTolerance: config.clockTolerance,
      maxTokenBytes: config.maxTokenBytes,
    };
  }

  verify(token: string): Promise<ValidationResult> {
    return Promise.resolve(validateToken(token, this.policy));
  }
}
