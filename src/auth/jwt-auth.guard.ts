import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AuthAttempts } from '../limits/auth-attempts.service.js';
import { RateLimited } from '../limits/rate-limited.js';
import { MISSING_TOKEN } from './auth-failure.js';
import { AuthRejection } from './auth-rejection.js';
import { IS_PUBLIC } from './public.decorator.js';
import type { Session } from './session.js';
import { JWT_STRATEGY } from './strategies/jwt.strategy.js';

/**
 * The global REST guard (APP_GUARD): every route needs a valid bearer token unless it
 * is marked @Public(). It does not know which auth mode is active.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  // Explicit @Inject: tools without decorator metadata (tsx, Vitest) can still build it.
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthAttempts) private readonly attempts: AuthAttempts,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    // APP_GUARD also reaches gateway handlers; sockets are authenticated by the
    // WebSocket adapter and guarded by WsSessionGuard instead.
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    if (context.getType() === 'http') {
      // An address over the failure limit is refused before its token costs a check.
      const retryAfter = this.attempts.refusal('http', context.switchToHttp().getRequest<FastifyRequest>().ip);
      if (retryAfter > 0) throw new RateLimited(retryAfter);
    }
    return super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false, _info?: unknown, context?: ExecutionContext): TUser {
    const http = context?.getType() === 'http';
    const ip = http ? context!.switchToHttp().getRequest<FastifyRequest>().ip : '';
    if (error) {
      if (http && error instanceof AuthRejection) this.attempts.failed('http', ip, error.failure);
      throw error;
    }
    if (!user) {
      if (http) this.attempts.failed('http', ip, MISSING_TOKEN);
      throw new AuthRejection(MISSING_TOKEN);
    }
    if (http) this.attempts.succeeded('http', ip, (user as unknown as Session).sub);
    return user;
  }
}
