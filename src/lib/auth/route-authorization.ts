import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { authorize, PolicyFailed, type Verdict } from '../authz/authorize.js';
import type { Requirements } from '../authz/requirements.js';
import { rightsOf, type RightsPaths } from '../core/rights.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { admittedSession, authenticateHttp } from './admission.js';
import { Authenticator, type AuthRequest } from './authenticator.js';
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
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(RouteDecisions) private readonly decisions: RouteDecisions,
    @Inject(AuthEventsService) private readonly events: AuthEventsService,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.paths = settings.rights;
  }

  /** The requirements of the route `context` runs (undefined: none). */
  requirementsOf(context: ExecutionContext): Requirements | undefined {
    return this.decisions.of(context.getClass(), context.getHandler()).requirements;
  }

  /**
   * What every authenticating guard does: the request's session (from the gate, or its
   * token checked now), then the route's `requirements`. A refusal is thrown.
   */
  admit(request: AuthRequest & object, requirements: Requirements | undefined): true | Promise<true> {
    const authenticated = authenticateHttp(this.authenticator, request);
    if (requirements === undefined) return authenticated;
    return authenticated === true ? this.judge(requirements, request) : authenticated.then(() => this.judge(requirements, request));
  }

  /** `request` was admitted with a session (admission.ts). */
  private judge(requirements: Requirements, request: object): true | Promise<true> {
    if (this.judged.has(request)) return true;
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
