import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { authenticateHttp } from '../auth/admission.js';
import { Authenticator, type AuthRequest } from '../auth/authenticator.js';
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

  // Explicit @Inject: tools without decorator metadata (tsx, Vitest) can still build it.
  constructor(@Inject(Authenticator) private readonly authenticator: Authenticator) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const type = context.getType();
    if (type === 'ws') return this.sockets.canActivate(context);
    if (type !== 'http') return false;
    return authenticateHttp(this.authenticator, context.getArgByIndex<AuthRequest & object>(0));
  }
}
