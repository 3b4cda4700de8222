import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { AuthFailure, MISSING_TOKEN } from '../auth-failure.js';
import { AuthRejection } from '../auth-rejection.js';
import { bearerToken } from '../bearer-token.js';
import type { Session } from '../session.js';
import type { TokenVerifier } from '../token-verifier.js';
import type { ValidationResult } from '../validate-token.js';

/** The one passport strategy name; which class stands behind it is decided at startup. */
export const JWT_STRATEGY = 'gatehouse-jwt';

/**
 * What both modes share: read the bearer token and turn a failure into the 401 the
 * contract describes. Each mode says only how it verifies a token.
 */
export abstract class JwtStrategy
  extends PassportStrategy(Strategy, JWT_STRATEGY)
  implements TokenVerifier
{
  abstract readonly mode: 'secure' | 'insecure';
  abstract verify(token: string): Promise<ValidationResult>;

  async validate(request: { headers: Record<string, string | string[] | undefined> }): Promise<Session> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw new AuthRejection(MISSING_TOKEN);
    const result = await this.verify(token);
    if (result instanceof AuthFailure) throw new AuthRejection(result);
    return result;
  }
}
