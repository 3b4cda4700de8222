import { HttpException, HttpStatus } from '@nestjs/common';

export const RATE_LIMITED_MESSAGE = 'Too many failed authentication attempts; retry later';

/** The 429 body, the same for REST and a refused WebSocket upgrade. */
export function rateLimitedBody() {
  return {
    statusCode: 429,
    error: 'Too Many Requests',
    reason: 'rate_limited',
    message: RATE_LIMITED_MESSAGE,
  } as const;
}

/** Thrown when a client address is over the failed-authentication limit. */
export class RateLimited extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(rateLimitedBody(), HttpStatus.TOO_MANY_REQUESTS);
  }
}
