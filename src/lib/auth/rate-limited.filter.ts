import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RateLimited, sendRateLimited } from './rate-limited.js';

/** A client address over the failed-authentication limit: the 429 of sendRateLimited. */
@Catch(RateLimited)
export class RateLimitedFilter implements ExceptionFilter {
  catch(exception: RateLimited, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendRateLimited(reply, exception.retryAfterSeconds);
  }
}
