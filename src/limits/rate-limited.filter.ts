import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RateLimited, rateLimitedBody } from './rate-limited.js';

/** 429 with Retry-After (whole seconds, RFC 9110) and the JSON body. */
@Catch(RateLimited)
export class RateLimitedFilter implements ExceptionFilter {
  catch(exception: RateLimited, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(429).header('Retry-After', String(exception.retryAfterSeconds)).send(rateLimitedBody());
  }
}
