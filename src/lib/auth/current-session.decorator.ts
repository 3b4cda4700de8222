import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Session } from '../core/session.js';
import { sessionOf } from './session-holder.js';

/**
 * The validated session of the request or socket, in controllers and gateway handlers
 * alike: `@CurrentSession() session: Session<MyClaims>`. (Nest already has a
 * `@Session()`, for cookie sessions.)
 */
export const CurrentSession = createParamDecorator((_data: unknown, context: ExecutionContext): Session | undefined => {
  // Argument 0 is the socket (ws) or the request (http): what switchToWs().getClient()
  // and switchToHttp().getRequest() return, without the closures they allocate per call.
  if (context.getType() === 'ws') return sessionOf(context.getArgByIndex<unknown>(0));
  return context.getArgByIndex<{ user?: Session }>(0).user;
});
