import type { SecureAuthConfig } from '../../config/env.schema.js';
import { requiredClaims } from '../token-rules.js';
import { validateToken, type SecurePolicy, type ValidationResult } from '../validate-token.js';
import { JwtStrategy } from './jwt.strategy.js';

/**
 * AUTH_MODE=secure, the default: the signature is verified with the configured
 * algorithm and key(s), iat and exp are required, iss/aud checked when set.
 */
export class SecureJwtStrategy extends JwtStrategy {
  readonly mode = 'secure' as const;
  private readonly policy: SecurePolicy;

  constructor(config: SecureAuthConfig) {
    super();
    // Static keys ignore `kid`: each configured key is tried, which allows rotation.
    const keys = config.keys;
    this.policy = {
      mode: 'secure',
      namespace: config.namespace,
      clockTolerance: config.clockTolerance,
      maxTokenBytes: config.maxTokenBytes,
      algorithms: [config.algorithm],
      keysFor: () => keys,
      issuer: config.issuer,
      audience: config.audience,
      requiredClaims: requiredClaims(config.issuer, config.audience),
    };
  }

  verify(token: string): Promise<ValidationResult> {
    return Promise.resolve(validateToken(token, this.policy));
  }
}
