import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { authorize, PolicyFailed, type Verdict } from '../authz/authorize.js';
import type { Requirements } from '../authz/requirements.js';
import { rightsOf, type RightsPaths } from '../core/rights.js';
import type { Session } from '../core/session.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { admittedSession } from './admission.js';
import { Authenticator, type AuthRequest } from './authenticator.js';
import { authenticateHttp } from './admission.js';
import { GatehouseRefusal } from './refusal-replies.js';
import { RouteDecisions } from './route-decisions.js';

/** Set on a request once its route's requirements passed: a class guard and a method guard judge it once. */
const AUTHORIZED = Symbol('gatehouse.authorized');

type AuthorizedRequest = AuthRequest & { [AUTHORIZED]?: true };

/**
 * REST authorization (docs/protocol.md §15), put on a class or route by the
 * authorization decorators. It runs after authentication: the session is the one the
 * platform gate or a guard admitted the request with, or, when the app guards routes
 * itself, it authenticates here first (a requirement implies a token). The route's
 * requirements are the ones RouteDecisions gathered at startup for this (controller,
 * handler). A refusal is thrown as a GatehouseRefusal: 403, or 503 for a policy that threw.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  private readonly paths: RightsPaths;

  constructor(
    @Inject(RouteDecisions) private readonly decisions: RouteDecisions,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(AuthEventsService) private readonly events: AuthEventsService,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.paths = settings.rights;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Gateway messages are judged by the Gatehouse adapters before the handler is called.
    if (context.getType() !== 'http') return true;
    const request = context.getArgByIndex<AuthorizedRequest>(0);
    if (request[AUTHORIZED]) return true;
    const requirements = this.decisions.of(context.getClass(), context.getHandler()).requirements;
    if (requirements === undefined) return true;
    const authenticated = authenticateHttp(this.authenticator, request);
    return authenticated === true
      ? this.judge(request, requirements, admittedSession(request)!)
      : authenticated.then(() => this.judge(request, requirements, admittedSession(request)!));
  }

  private judge(request: AuthorizedRequest, requirements: Requirements, session: Session): boolean | Promise<boolean> {
    const verdict = authorize(requirements, session, rightsOf(session, this.paths), request);
    const decide = (value: Verdict): boolean => {
      if (value === undefined) {
        request[AUTHORIZED] = true;
        return true;
      }
      if (value instanceof PolicyFailed) this.events.unavailable('http', 'authorization policy', value.cause, { sub: session.sub });
      throw new GatehouseRefusal(value);
    };
    return verdict instanceof Promise ? verdict.then(decide) : decide(verdict);
  }
}
