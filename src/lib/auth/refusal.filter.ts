import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthRejection } from './auth-rejection.js';
import { sendUnauthorized } from './refusal-replies.js';

/** Every REST authentication failure: the contract's 401 body and RFC 6750 header. */
@Catch(AuthRejection)
export class AuthRejectionFilter implements ExceptionFilter {
  catch(exception: AuthRejection, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendUnauthorized(reply, exception.failure);
  }
}
