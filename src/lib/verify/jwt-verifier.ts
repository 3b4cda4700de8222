import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { AuthFailure, MISSING_TOKEN } from '../core/auth-failure.js';
import { AuthRejection } from '../auth/auth-rejection.js';
import { bearerToken } from '../core/bearer-token.js';
import type { Session } from '../core/session.js';
import type { TokenVerifier } from './token-verifier.js';
import { nowInSeconds, type ValidatedToken, type ValidationResult } from '../core/validate-token.js';
import type { VerifiedTokenCache } from './verified-token-cache.js';

/** The one passport strategy name; which class stands behind it is decided at startup. */
export const JWT_STRATEGY = 'gatehouse-jwt';

export type CheckResult = ValidatedToken | AuthFailure;

export interface BearerRequest {
  readonly headers: Record<string, string | string[] | undefined>;
}

function sessionOrRejection(result: ValidationResult): Session {
  if (result instanceof AuthFailure) throw new AuthRejection(result);
  return result;
}

/**
 * What both modes share: read the bearer token, remember the tokens that passed, and
 * turn a failure into the 401 the contract describes. Each mode says only how it
 * checks a token. REST (guard) and WebSocket (adapter) both come through verify().
 */
export abstract class JwtStrategy
  extends PassportStrategy(Strategy, JWT_STRATEGY)
  implements TokenVerifier
{
  abstract readonly mode: 'secure' | 'insecure';
  protected abstract readonly cache: VerifiedTokenCache;
  private cachedKeysVersion = 0;

  /** Contract section 3 for one token at `now`; a promise only when keys must be fetched first. */
  protected abstract check(token: string, now: number): CheckResult | Promise<CheckResult>;

  /** Changes when the verification keys change (a key set refresh); 0 when they never do. */
  protected keysVersion(): number {
    return 0;
  }

  verify(token: string): Promise<ValidationResult> {
    const result = this.verifyNow(token);
    return result instanceof Promise ? result : Promise.resolve(result);
  }

  verifyNow(token: string): ValidationResult | Promise<ValidationResult> {
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

  /** Passport's entry point: the request's session, or an AuthRejection. */
  async validate(request: BearerRequest): Promise<Session> {
    return this.sessionOf(request);
  }

  /**
   * The session for the request's bearer token, synchronously when verifyNow() is;
   * throws (or rejects with) the AuthRejection that becomes the contract's 401.
   */
  sessionOf(request: BearerRequest): Session | Promise<Session> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw new AuthRejection(MISSING_TOKEN);
    const result = this.verifyNow(token);
    return result instanceof Promise ? result.then(sessionOrRejection) : sessionOrRejection(result);
  }

  private remember(token: string, result: CheckResult, now: number, version: number): ValidationResult {
    if (result instanceof AuthFailure) return result;
    // Keys replaced while this check waited: its result is right, but not for the cache.
    if (version === this.keysVersion()) this.cache.set(token, result.session, result.payload, now);
    return result.session;
  }
}
