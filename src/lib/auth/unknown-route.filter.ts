import { Catch, Inject, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthFailure } from '../core/auth-failure.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { Authenticator } from './authenticator.js';
import type { GuardedRequest } from './gatehouse.guard.js';
import { httpRefusal, sendHttpRefusal } from './refusal-replies.js';

/**
 * A path that matches no route never reaches the guard, so without this a caller with
 * no valid token could map the API by its 404s. With the global guard on, only an
 * authenticated caller learns that a route does not exist; anyone else gets the same
 * 401 as for a guarded route. Otherwise it answers as Nest would: 404.
 */
@Catch(NotFoundException)
export class UnknownRouteFilter implements ExceptionFilter {
  private readonly enabled: boolean;

  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.enabled = settings.globalGuard;
  }

  async catch(exception: NotFoundException, host: ArgumentsHost): Promise<void> {
    const request = host.switchToHttp().getRequest<GuardedRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // A 404 thrown by a route's own handler (a public one, say) is that route's answer.
    const unmatched = request.routeOptions?.url === undefined;
    if (this.enabled && unmatched && request.user === undefined) {
      const outcome = await this.authenticator.authenticateRequest(request);
      if (outcome instanceof AuthFailure) return sendHttpRefusal(reply, httpRefusal(outcome));
    }
    void reply.status(404).send(exception.getResponse());
  }
}
