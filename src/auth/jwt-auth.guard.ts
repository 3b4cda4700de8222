import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { MISSING_TOKEN } from './auth-failure.js';
import { AuthRejection } from './auth-rejection.js';
import { IS_PUBLIC } from './public.decorator.js';
import { JWT_STRATEGY } from './strategies/jwt.strategy.js';

/**
 * The global REST guard (APP_GUARD): every route needs a valid bearer token unless it
 * is marked @Public(). It does not know which auth mode is active.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard(JWT_STRATEGY) {
  // Explicit @Inject: tools without decorator metadata (tsx, Vitest) can still build it.
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {
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
    return isPublic ? true : super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error) throw error;
    if (!user) throw new AuthRejection(MISSING_TOKEN);
    return user;
  }
}
