import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthRequest } from '../auth/authenticator.js';
import { RouteAuthorization } from '../auth/route-authorization.js';
import { ENFORCES_REQUIREMENTS } from '../auth/route-decisions.js';
import { WsSessionGuard } from '../ws/ws-session.guard.js';

/**
 * The guard that always guards (`@UseGuards(GatehouseGuard)`), whatever `globalGuard`
 * says and whether or not the route is @Public(): over HTTP a valid bearer token
 * (the session the platform gate admitted the request with, or one checked here); on a
 * gateway a socket with a live session, as WsSessionGuard asks. Any other context is
 * refused: a guard that cannot tell who calls lets no one through.
 */
@Injectable()
export class GatehouseGuard implements CanActivate {
  private readonly sockets = new WsSessionGuard();

  static readonly [ENFORCES_REQUIREMENTS] = true;

  // Explicit @Inject: tools without decorator metadata (tsx, Vitest) can still build it.
  constructor(@Inject(RouteAuthorization) private readonly authorization: RouteAuthorization) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const type = context.getType();
    if (type === 'ws') return this.sockets.canActivate(context);
    if (type !== 'http') return false;
    const request = context.getArgByIndex<AuthRequest & object>(0);
    // A valid token, then what the route requires (docs/protocol.md §15).
    return this.authorization.admit(request, this.authorization.requirementsOf(context));
  }
}
