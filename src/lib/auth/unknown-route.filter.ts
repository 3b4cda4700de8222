import { Catch, Inject, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthAttempts } from './authenticator.js';
import { sendRateLimited } from './rate-limited.js';
import { AuthFailure, MISSING_TOKEN } from '../core/auth-failure.js';
import { bearerToken } from '../core/bearer-token.js';
import type { Session } from '../core/session.js';
import { TokenVerifier } from '../verify/token-verifier.js';
import { sendUnauthorized } from './refusal-replies.js';

/**
 * A path that matches no route never reaches the guard, so without this a caller with
 * no valid token could map the API by its 404s. Only an authenticated caller learns
 * that a route does not exist; anyone else gets the same 401 as for a guarded route.
 */
@Catch(NotFoundException)
export class UnknownRouteFilter implements ExceptionFilter {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(AuthAttempts) private readonly attempts: AuthAttempts,
  ) {}

  async catch(exception: NotFoundException, host: ArgumentsHost): Promise<void> {
    const request = host.switchToHttp().getRequest<FastifyRequest & { user?: Session }>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // A 404 thrown by a route's own handler (a public one, say) is that route's answer.
    const unmatched = request.routeOptions?.url === undefined;
    if (unmatched && request.user === undefined) {
      // 401 vs 404 tells whether a token is valid: limited like any guarded route.
      const retryAfter = this.attempts.refusal('http', request.ip);
      if (retryAfter > 0) {
        return sendRateLimited(reply, retryAfter);
      }
      const token = bearerToken(request.headers.authorization);
      const result = token === undefined ? MISSING_TOKEN : await this.verifier.verify(token);
      if (result instanceof AuthFailure) {
        this.attempts.failed('http', request.ip, result);
        return sendUnauthorized(reply, result);
      }
    }
    void reply.status(404).send(exception.getResponse());
  }
}
