import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthAttempts } from './authenticator.js';
import { RateLimited } from './rate-limited.js';
import { AuthRejection } from './auth-rejection.js';
import { IS_PUBLIC } from './public.decorator.js';
import type { Session } from '../core/session.js';
import type { BearerRequest, JwtStrategy } from '../verify/jwt-verifier.js';
import { TokenVerifier } from '../verify/token-verifier.js';

type GuardedRequest = BearerRequest & Pick<FastifyRequest, 'ip'> & { user?: Session };

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
    @Inject(AuthAttempts) private readonly attempts: AuthAttempts,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // APP_GUARD also reaches gateway handlers; sockets are authenticated by the
    // WebSocket adapter and guarded by WsSessionGuard instead.
    if (context.getType() !== 'http') return true;
    if (this.isPublic(context)) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    // An address over the failure limit is refused before its token costs a check.
    const retryAfter = this.attempts.refusal('http', request.ip);
    if (retryAfter > 0) throw new RateLimited(retryAfter);
    // Synchronous for a token in the cache or checked with keys at hand: no promise
    // hops on the hot path. A failure throws AuthRejection, as passport would.
    let session: Session | Promise<Session>;
    try {
      session = this.strategy.sessionOf(request);
    } catch (error) {
      throw this.failed(request, error);
    }
    if (session instanceof Promise) {
      return session.then(
        (value) => this.admit(request, value),
        (error: unknown) => {
          throw this.failed(request, error);
        },
      );
    }
    return this.admit(request, session);
  }

  private admit(request: GuardedRequest, session: Session): true {
    request.user = session; // where passport would put it: @CurrentSession() reads it
    this.attempts.succeeded('http', request.ip, session.sub);
    return true;
  }

  /** Counts a refused token against the client's address; returns the error to throw. */
  private failed(request: GuardedRequest, error: unknown): unknown {
    if (error instanceof AuthRejection) this.attempts.failed('http', request.ip, error.failure);
    return error;
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
