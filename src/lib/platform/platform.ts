import type { AbstractHttpAdapter } from '@nestjs/core';

export const SUPPORTED_PLATFORMS = '@nestjs/platform-express or @nestjs/platform-fastify';

export type HttpPlatform =
  { readonly kind: 'express'; readonly app: ExpressAppLike } | { readonly kind: 'fastify'; readonly app: FastifyLike };

/** Express 5's application, as far as Gatehouse uses it (no import of Express's types: it is optional). */
export interface ExpressAppLike {
  readonly router: { readonly stack: ExpressLayer[] };
  use(handler: ExpressMiddleware): unknown;
}

export interface ExpressLayer {
  readonly name?: string;
  readonly route?: ExpressRoute;
  match(path: string): unknown;
}

export interface ExpressRoute {
  readonly path: unknown;
  readonly stack: readonly { readonly handle: Function }[];
  _handlesMethod(method: string): boolean;
}

export type ExpressMiddleware = (request: any, response: any, next: (error?: unknown) => void) => void;

/** Fastify's instance, as far as Gatehouse uses it. */
export interface FastifyLike {
  addHook(name: string, hook: Function): unknown;
}

/**
 * The app's HTTP platform: Express or Fastify, the two Gatehouse answers on; undefined
 * for an app without HTTP (a standalone application context). Any other adapter stops
 * the app, in one line.
 */
export function httpPlatform(adapter: AbstractHttpAdapter | undefined): HttpPlatform | undefined {
  if (adapter === undefined) return undefined;
  const type = typeof adapter.getType === 'function' ? adapter.getType() : undefined;
  const app = adapter.getInstance?.() as Partial<ExpressAppLike & FastifyLike> | undefined;
  if (type === 'express' && Array.isArray(app?.router?.stack)) return { kind: 'express', app: app as ExpressAppLike };
  if (type === 'fastify' && typeof app?.addHook === 'function') return { kind: 'fastify', app: app as FastifyLike };
  throw new Error(
    `Gatehouse needs the HTTP adapter of ${SUPPORTED_PLATFORMS} (Express 5 or Fastify); this app's adapter is ${JSON.stringify(type ?? adapter.constructor.name)}`,
  );
}

/**
 * Inserts an Express middleware ahead of the body parsers (Nest's, or the app's own
 * json/urlencoded/raw/text parsers), after what the app added with app.use() before
 * them (CORS, for one, so that Gatehouse's answers carry its headers); `first`: at the
 * head of the stack.
 */
export function insertExpressMiddleware(app: ExpressAppLike, middleware: ExpressMiddleware, first = false): void {
  app.use(middleware);
  const stack = app.router.stack;
  const layer = stack.pop()!;
  const parser = first ? 0 : stack.findIndex((entry) => entry.route === undefined && BODY_PARSERS.has(entry.name ?? ''));
  stack.splice(parser === -1 ? stack.length : parser, 0, layer);
}

const BODY_PARSERS = new Set(['jsonParser', 'urlencodedParser', 'rawParser', 'textParser']);

/** Does the request announce a body (which reading would cost)? */
export function hasBody(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
