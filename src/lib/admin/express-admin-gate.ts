import type { IncomingMessage, ServerResponse } from 'node:http';
import { SetMetadata } from '@nestjs/common';
import { settle, type MaybePromise } from '../core/settle.js';
import { insertExpressMiddleware, type ExpressAppLike, type ExpressLayer } from '../platform/platform.js';
import { matches, pathnameOf, type ExpressRequestLike } from '../auth/express-routes.js';

/** Marks the admin API's route methods; Nest copies it onto the handler it registers with the platform. */
const ADMIN_ROUTE = 'gatehouse:adminRoute';
export const AdminRoute = (): MethodDecorator => SetMetadata(ADMIN_ROUTE, true);

type Check = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => MaybePromise<void>;

/**
 * Express runs a Nest middleware only after the app's body parsers, so a caller without
 * the key would have its body read (and parsed) before its 401 (Fastify runs it first).
 * Once the routes are registered, the admin key check goes ahead of the body parsers for
 * the requests Express will dispatch to an admin route (the layers whose handler carries
 * ADMIN_ROUTE, matched as Express's router matches them). The Nest middleware and the
 * guard still check the key on the route: this only moves the refusal earlier.
 */
export function checkAdminKeyBeforeBodies(app: ExpressAppLike, check: Check): void {
  const layers = app.router.stack.filter((layer) =>
    layer.route?.stack.some((entry) => Reflect.getMetadata(ADMIN_ROUTE, entry.handle) === true),
  );
  if (layers.length === 0) return;
  insertExpressMiddleware(app, function gatehouseAdminGate(request: IncomingMessage, response: ServerResponse, next) {
    if (!layers.some((layer) => servesRequest(layer, request))) return next();
    // A check that fails (the failure limit's store) goes to Express's error handling, never unhandled.
    void settle(
      () => check(request, response, next),
      () => undefined,
      next,
    );
  });
}

function servesRequest(layer: ExpressLayer, request: IncomingMessage): boolean {
  // A path Express cannot match (a malformed escape) stops its routing: no admin route answers it.
  return matches(layer, pathnameOf(request as unknown as ExpressRequestLike)) === true && layer.route!._handlesMethod(request.method ?? '');
}
