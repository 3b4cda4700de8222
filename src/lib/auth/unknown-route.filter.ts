import { Catch, Inject, Logger, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { AuthFailure } from '../core/auth-failure.js';
import { writeJson, type HttpResponse } from '../platform/json-reply.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { admittedSession } from './admission.js';
import { Authenticator, type AuthRequest } from './authenticator.js';
import { dispatchedToController, type ExpressRequestLike } from './express-routes.js';
import { httpRefusal, sendHttpRefusal } from './refusal-replies.js';

type FilteredRequest = AuthRequest & Partial<ExpressRequestLike> & { readonly routeOptions?: { readonly url?: string } };

/**
 * A path that matches no route never reaches the guard, so without this a caller with
 * no valid token could map the API by its 404s. With the global guard on, only an
 * authenticated caller learns that a route does not exist; anyone else gets the same
 * 401 as for a guarded route. Otherwise it answers as Nest would: 404. A 404 thrown by
 * a route's own handler (a public one, say) is that route's answer.
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

  catch(exception: NotFoundException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FilteredRequest>();
    const response = host.switchToHttp().getResponse<HttpResponse>();
    const notFound = () => writeJson(response, 404, {}, exception.getResponse());
    if (!this.enabled || !unmatched(request) || admittedSession(request) !== undefined) return notFound();
    // Nest does not wait for a filter: whatever happens here is answered here, never
    // left to reject (an unhandled rejection would end the process).
    const answer = (outcome: AuthFailure | object) =>
      outcome instanceof AuthFailure ? sendHttpRefusal(response, httpRefusal(outcome)) : notFound();
    const failed = (error: unknown) => {
      new Logger('Gatehouse').error(`authentication of an unknown route failed: ${String(error)}`);
      writeJson(response, 500, {}, { statusCode: 500, message: 'Internal server error' });
    };
    try {
      const outcome = this.authenticator.authenticateRequest(request);
      if (outcome instanceof Promise) outcome.then(answer, failed);
      else answer(outcome);
    } catch (error) {
      failed(error);
    }
  }
}

/** Fastify: the not-found handler has no route URL; Express: no route of a Nest controller took it. */
function unmatched(request: FilteredRequest): boolean {
  if ('routeOptions' in request) return request.routeOptions?.url === undefined;
  return !dispatchedToController(request as ExpressRequestLike);
}
