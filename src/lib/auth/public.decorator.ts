import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'gatehouse:isPublic';

/**
 * Opts a route, or a whole controller, out of the global bearer-token guard. Plain Nest
 * metadata: on a method it covers that route, on a class every route of that class
 * (inherited ones included) and of its subclasses, never another class sharing a base
 * class's methods. Which routes are public is decided once, at startup (RouteDecisions).
 */
export function Public(): ClassDecorator & MethodDecorator {
  return SetMetadata(IS_PUBLIC, true);
}
