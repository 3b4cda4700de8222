import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'gatehouse:isPublic';

/**
 * Opts a route, or a whole controller, out of the global bearer-token guard. On a
 * controller it also marks each of its methods, so that code which sees only the
 * route's handler (RequestGate, before the body is read) knows it too.
 */
export function Public(): ClassDecorator & MethodDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor !== undefined) {
      SetMetadata(IS_PUBLIC, true)(target, key!, descriptor);
      return;
    }
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    Reflect.defineMetadata(IS_PUBLIC, true, target);
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (name !== 'constructor' && typeof method === 'function') Reflect.defineMetadata(IS_PUBLIC, true, method);
    }
  };
}

/** Memoised per handler: metadata is fixed once the app has started. */
const publicHandlers = new WeakMap<object, boolean>();

export function isPublicHandler(handler: object, controller?: object): boolean {
  let isPublic = publicHandlers.get(handler);
  if (isPublic === undefined) {
    isPublic =
      Reflect.getMetadata(IS_PUBLIC, handler) === true || (controller !== undefined && Reflect.getMetadata(IS_PUBLIC, controller) === true);
    publicHandlers.set(handler, isPublic);
  }
  return isPublic;
}
