import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { authenticateHttp } from './admission.js';
import { Authenticator, type AuthRequest } from './authenticator.js';
import { RouteAuthorization } from './route-authorization.js';
import { ENFORCES_REQUIREMENTS } from './route-decisions.js';

/**
 * For apps that guard routes themselves (`globalGuard: false`) with a guard of another
 * kind, such as `AuthGuard('gatehouse')`: `@UseGuards(AuthGuard('gatehouse'),
 * AuthorizationGuard)` enforces the route's @RequireScopes, @RequireRoles and @Authorize.
 * It authenticates first when nothing has (a requirement implies a token).
 * GatehouseGuard and the global guard enforce them without it.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  static readonly [ENFORCES_REQUIREMENTS] = true;

  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(RouteAuthorization) private readonly authorization: RouteAuthorization,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Gateway messages are judged by the Gatehouse adapters before the handler is called.
    if (context.getType() !== 'http') return true;
    const request = context.getArgByIndex<AuthRequest & object>(0);
    const authenticated = authenticateHttp(this.authenticator, request);
    return authenticated === true
      ? this.authorization.judgeRoute(context, request)
      : authenticated.then(() => this.authorization.judgeRoute(context, request));
  }
}
