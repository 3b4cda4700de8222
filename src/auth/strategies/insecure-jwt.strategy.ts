import type { InsecureAuthConfig } from '../../config/env.schema.js';
import { validateTokenWithPayload, type InsecurePolicy } from '../validate-token.js';
import { VerifiedTokenCache } from '../verified-token-cache.js';
import { JwtStrategy, type CheckResult } from './jwt.strategy.js';

/**
 * AUTH_MODE=insecure, for development and tests: unsigned (`alg: none`) tokens and
 * tokens signed with any key are accepted alike; only shape, times and `sub` count.
 */
export class InsecureJwtStrategy extends JwtStrategy {
  readonly mode = 'insecure' as const;
  protected readonly cache: VerifiedTokenCache;
  private readonly policy: InsecurePolicy;

  constructor(config: InsecureAuthConfig) {
    super();
    this.policy = {
      mode: 'insecure',
      namespace: config.namespace,
      clockTolerance: config.clockTolerance,
      maxTokenBytes: config.maxTokenBytes,
    };
    this.cache = new VerifiedTokenCache(config.clockTolerance);
  }

  protected check(token: string, now: number): CheckResult {
    return validateTokenWithPayload(token, this.policy, now);
  }
}
