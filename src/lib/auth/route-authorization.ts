import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { authorize, PolicyFailed, type Verdict } from '../authz/authorize.js';
import type { Requirements } from '../authz/requirements.js';
import { rightsOf, type RightsPaths } from '../core/rights.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { admittedSession } from './admission.js';
import { GatehouseRefusal } from './refusal-replies.js';
import { RouteDecisions } from './route-decisions.js';

/**
 * REST authorization (docs/protocol.md §15), after authentication: the requirements
 * RouteDecisions gathered at startup for this (controller, handler), judged by the one
 * authorize() of every transport. Called by the guard that authenticated the request
 * (the global guard, GatehouseGuard, AuthorizationGuard): no guard of its own in Nest's
 * chain, so a route without requirements pays nothing. A refusal is thrown as a
 * GatehouseRefusal: 403, or 503 for a policy that threw.
 */
@Injectable()
export class RouteAuthorization {
  private readonly paths: RightsPaths;
  /** Requests already judged: a route guarded twice (global and explicit guard) runs its policies once. */
  private readonly judged = new WeakSet<object>();

  constructor(
    @Inject(RouteDecisions) private readonly decisions: RouteDecisions,
    @Inject(AuthEventsService) private readonly events: AuthEventsService,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.paths = settings.rights;
  }

  /** The requirements of the route `context` runs; `request` was admitted with a session (admission.ts). */
  judgeRoute(context: ExecutionContext, request: object): true | Promise<true> {
    return this.judge(this.decisions.of(context.getClass(), context.getHandler()).requirements, request);
  }

  judge(requirements: Requirements | undefined, request: object): true | Promise<true> {
    if (requirements === undefined || this.judged.has(request)) return true;
    const session = admittedSession(request)!;
    const decide = (verdict: Verdict): true => {
      if (verdict === undefined) {
        this.judged.add(request);
        return true;
      }
      if (verdict instanceof PolicyFailed) this.events.unavailable('http', 'authorization policy', verdict.cause, { sub: session.sub });
      throw new GatehouseRefusal(verdict);
    };
    const verdict = authorize(requirements, session, rightsOf(session, this.paths), request);
    return verdict instanceof Promise ? verdict.then(decide) : decide(verdict);
  }
}
