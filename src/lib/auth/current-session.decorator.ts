import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Session } from '../core/session.js';
import { SOCKET_SESSION, type SessionHolder } from './session-holder.js';

/**
 * The validated session of the request or socket, in controllers and gateway handlers
 * alike. (Nest already has a `@Session()`, for cookie sessions.)
 */
export const CurrentSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Session | undefined => {
    if (context.getType() === 'ws') {
      return context.switchToWs().getClient<SessionHolder>()[SOCKET_SESSION];
    }
    return context.switchToHttp().getRequest<{ user?: Session }>().user;
  },
);
