import { HttpStatus, UnauthorizedException } from '@nestjs/common';
import type { AuthFailure } from '../core/auth-failure.js';

/** Thrown by the guard; auth-rejection.filter.ts turns it into the contract's 401. */
export class AuthRejection extends UnauthorizedException {
  constructor(readonly failure: AuthFailure) {
    super({
      statusCode: HttpStatus.UNAUTHORIZED,
      error: 'Unauthorized',
      reason: failure.reason,
      message: failure.message,
    });
  }
}
