import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import type { AuthRequest } from './authenticator.js';
import { RouteAuthorization } from './route-authorization.js';
import { RouteDecisions } from './route-decisions.js';

/**
 * Gatehouse's APP_GUARD (`globalGuard`, on by default): every HTTP route needs a valid
 * bearer token unless the route decision says public. The platform gate has already
 * authenticated guarded routes before any guard runs; this is the safety net for a
 * request the gate could not place, and it reads the same decision. Inert with
 * `globalGuard: false`. Sockets are authenticated by the WebSocket adapters instead.
 */
@Injectable()
export class GlobalGatehouseGuard implements CanActivate {
  private readonly enabled: boolean;

  constructor(
    @Inject(RouteDecisions) private readonly decisions: RouteDecisions,
    @Inject(RouteAuthorization) private readonly authorization: RouteAuthorization,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.enabled = settings.globalGuard;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.enabled || context.getType() !== 'http') return true;
    const decision = this.decisions.of(context.getClass(), context.getHandler());
    if (decision.public) return true;
    // The request is argument 0: what switchToHttp().getRequest() returns, without the
    // three closures switchToHttp() adds to the context on every call.
    const request = context.getArgByIndex<AuthRequest & object>(0);
    // Then what the route requires (docs/protocol.md §15), judged here: no guard of its own.
    return this.authorization.admit(request, decision.requirements);
  }
}
