import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Authenticator } from '../auth/authenticator.js';
import { admit } from '../auth/gatehouse.guard.js';
import { GatehouseRefusal } from '../auth/refusal-replies.js';
import type { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { authorize, PolicyFailed, type Verdict } from './authorize.js';
import { requirementsOf, type Requirements } from './requirements.js';
import { rightsOf, type RightsPaths } from './rights.js';

/** Set on a request once its route's requirements passed: a class guard and a method guard judge it once. */
const AUTHORIZED = Symbol('gatehouse.authorized');

type AuthorizedRequest = { user?: Session; [AUTHORIZED]?: true };

/**
 * REST authorization (docs/protocol.md §15), put on a class or route by the
 * authorization decorators. Runs after authentication: the request's session is the one
 * the global guard or the pre-body gate set, or, when the app guards routes itself, it
 * authenticates here first (a requirement implies a token). A refusal is thrown as a
 * GatehouseRefusal, answered 403 (or 503 for a policy that threw) like every refusal.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  private readonly logger = new Logger('Gatehouse');
  private readonly paths: RightsPaths;
  /** Per (controller, handler): an inherited route has its own class's requirements. */
  private readonly byClass = new WeakMap<object, Map<object, Requirements | undefined>>();

  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.paths = settings.rights;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Gateway messages are judged by the Gatehouse adapters before the handler is called.
    if (context.getType() !== 'http') return true;
    const request = context.getArgByIndex<AuthorizedRequest>(0);
    if (request[AUTHORIZED]) return true;
    const requirements = this.requirements(context.getClass(), context.getHandler());
    if (requirements === undefined) return true;
    if (request.user !== undefined) return this.judge(request, requirements, request.user);
    const outcome = this.authenticator.authenticateRequest(request as never);
    const judgeOutcome = (value: Session | AuthFailure) => {
      admit(request, value);
      return this.judge(request, requirements, request.user!);
    };
    return outcome instanceof Promise ? outcome.then(judgeOutcome) : judgeOutcome(outcome);
  }

  private requirements(controller: object, handler: object): Requirements | undefined {
    let byHandler = this.byClass.get(controller);
    if (byHandler === undefined) this.byClass.set(controller, (byHandler = new Map()));
    if (!byHandler.has(handler)) byHandler.set(handler, requirementsOf(controller, handler));
    return byHandler.get(handler);
  }

  private judge(request: AuthorizedRequest, requirements: Requirements, session: Session): boolean | Promise<boolean> {
    const verdict = authorize(requirements, session, rightsOf(session, this.paths), request);
    const decide = (value: Verdict): boolean => {
      if (value === undefined) {
        request[AUTHORIZED] = true;
        return true;
      }
      if (value instanceof PolicyFailed)
        this.logger.error(`An @Authorize policy failed for sub ${JSON.stringify(session.sub)}`, value.cause);
      throw new GatehouseRefusal(value);
    };
    return verdict instanceof Promise ? verdict.then(decide) : decide(verdict);
  }
}
