import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'gatehouse:isPublic';

/** @nestjs/platform-fastify's FASTIFY_ROUTE_CONFIG_METADATA: what Nest hands Fastify as the route's `config`. */
const FASTIFY_ROUTE_CONFIG = '__fastify_route_config__';

/**
 * Adds `key: true` to a route's Fastify config, kept beside what @RouteConfig() put
 * there. Fastify hooks see a route's config (request.routeOptions.config), while the
 * handler they see is a bound copy that carries none of Nest's metadata.
 */
export function markRouteConfig(method: object, key: string): void {
  const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG, method) as Record<string, unknown> | undefined) ?? {};
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG, { ...config, [key]: true }, method);
}

/** Whether a Fastify request's route was marked with markRouteConfig(…, key). */
export function routeMarked(routeOptions: { readonly config?: unknown } | undefined, key: string): boolean {
  const config = routeOptions?.config as Record<string, unknown> | undefined;
  return config?.[key] === true;
}

const PUBLIC_ROUTE = 'gatehousePublic';

/** A Fastify request's route is @Public() (for hooks that run before Nest: RequestGate). */
export function isPublicRoute(routeOptions: { readonly config?: unknown } | undefined): boolean {
  return routeMarked(routeOptions, PUBLIC_ROUTE);
}

/**
 * Opts a route, or a whole controller, out of the global bearer-token guard. On a
 * controller it also marks each of its methods, so that code which sees only the
 * route's handler (RequestGate, before the body is read) knows it too.
 */
export function Public(): ClassDecorator & MethodDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor !== undefined) {
      SetMetadata(IS_PUBLIC, true)(target, key!, descriptor);
      markRouteConfig(descriptor.value as object, PUBLIC_ROUTE);
      return;
    }
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    Reflect.defineMetadata(IS_PUBLIC, true, target);
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (name !== 'constructor' && typeof method === 'function') {
        Reflect.defineMetadata(IS_PUBLIC, true, method);
        markRouteConfig(method, PUBLIC_ROUTE);
      }
    }
  };
}

/** Memoised per handler: metadata is fixed once the app has started. */
const publicHandlers = new WeakMap<object, boolean>();

export function isPublicHandler(handler: object, controller?: object): boolean {
  let isPublic = publicHandlers.get(handler);
  if (isPublic === undefined) {
    isPublic = Reflect.getMetadata(IS_PUBLIC, handler) === true || (controller !== undefined && Reflect.getMetadata(IS_PUBLIC, controller) === true);
    publicHandlers.set(handler, isPublic);
  }
  return isPublic;
}
