import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthRequest } from './authenticator.js';
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

  constructor(@Inject(RouteAuthorization) private readonly authorization: RouteAuthorization) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Gateway messages are judged by the Gatehouse adapters before the handler is called.
    if (context.getType() !== 'http') return true;
    const request = context.getArgByIndex<AuthRequest & object>(0);
    return this.authorization.admit(request, this.authorization.requirementsOf(context));
  }
}
