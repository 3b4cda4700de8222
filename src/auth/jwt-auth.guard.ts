import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from './public.decorator.js';
import type { Session } from './session.js';
import type { BearerRequest, JwtStrategy } from './strategies/jwt.strategy.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * The global REST guard (APP_GUARD): every route needs a valid bearer token unless it
 * is marked @Public(). It does not know which auth mode is active.
 *
 * It asks the active passport strategy itself (sessionOf(), what its validate() runs)
 * rather than going through passport.authenticate(): same strategy, same checks, same
 * AuthRejection (and so the same 401), without passport's per-request middleware,
 * closures and promise chain.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  /** @Public() per controller class and handler, looked up once: metadata is fixed at startup. */
  private readonly publicHandlers = new WeakMap<object, WeakMap<object, boolean>>();

  // Explicit @Inject: tools without decorator metadata (tsx, Vitest) can still build it.
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly strategy: JwtStrategy,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // APP_GUARD also reaches gateway handlers; sockets are authenticated by the
    // WebSocket adapter and guarded by WsSessionGuard instead.
    if (context.getType() !== 'http') return true;
    if (this.isPublic(context)) return true;
    const request = context.switchToHttp().getRequest<BearerRequest & { user?: Session }>();
    // Synchronous for a token in the cache or checked with keys at hand: no promise
    // hops on the hot path. A failure throws AuthRejection, as passport would.
    const session = this.strategy.sessionOf(request);
    if (session instanceof Promise) {
      return session.then((value) => {
        request.user = value;
        return true;
      });
    }
    request.user = session; // where passport would put it: @CurrentSession() reads it
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byHandler = this.publicHandlers.get(controller);
    if (byHandler === undefined) this.publicHandlers.set(controller, (byHandler = new WeakMap()));
    let isPublic = byHandler.get(handler);
    if (isPublic === undefined) {
      isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, controller]) === true;
      byHandler.set(handler, isPublic);
    }
    return isPublic;
  }
}
