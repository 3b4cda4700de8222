import type { ValidationResult } from '../core/validate-token.js';

/**
 * What REST and WebSocket both ask of the active auth mode: the passport strategy
 * chosen at startup is provided under this token, so a gateway reuses exactly the
 * checks a guarded route runs.
 */
export abstract class TokenVerifier {
  abstract readonly mode: 'secure' | 'insecure';
  abstract verify(token: string): Promise<ValidationResult>;
  /** verify(), but answering synchronously whenever no key has to be fetched first (nearly always). */
  abstract verifyNow(token: string): ValidationResult | Promise<ValidationResult>;
}
