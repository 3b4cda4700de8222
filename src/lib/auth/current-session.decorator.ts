import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Session } from '../core/session.js';
import { CONNECTION, type SessionHolder } from './session-holder.js';

/**
 * The validated session of the request or socket, in controllers and gateway handlers
 * alike. (Nest already has a `@Session()`, for cookie sessions.)
 */
export const CurrentSession = createParamDecorator((_data: unknown, context: ExecutionContext): Session | undefined => {
  // Argument 0 is the socket (ws) or the request (http): what switchToWs().getClient()
  // and switchToHttp().getRequest() return, without the closures they allocate per call.
  if (context.getType() === 'ws') return context.getArgByIndex<SessionHolder>(0)[CONNECTION]?.session;
  return context.getArgByIndex<{ user?: Session }>(0).user;
});
