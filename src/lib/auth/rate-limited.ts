import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

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

/** 429 with Retry-After (whole seconds, RFC 9110) and the JSON body. */
export function sendRateLimited(reply: FastifyReply, retryAfterSeconds: number): void {
  void reply.status(429).header('Retry-After', String(retryAfterSeconds)).send(rateLimitedBody());
}
