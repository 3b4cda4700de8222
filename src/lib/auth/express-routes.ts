import { METHOD_METADATA } from '@nestjs/common/constants.js';
import type { ExpressAppLike, ExpressLayer, ExpressRoute } from '../platform/platform.js';
import type { RouteDecision, RouteDecisions } from './route-decisions.js';

/** No route matches the request's method and path: Express will answer it with Nest's 404. */
export const UNMATCHED = Symbol('gatehouse.unmatched');

/** The route the gate found for a request: a refusal before dispatch is still counted under its route. */
const FOUND = Symbol('gatehouse.route');

export interface ExpressRequestLike {
  [FOUND]?: ExpressRoute;
  readonly method: string;
  readonly url: string;
  readonly route?: ExpressRoute;
  readonly _parsedUrl?: { readonly _raw?: string; readonly pathname?: string | null };
}

/**
 * Finds, before Express dispatches a request, the route it will dispatch it to, the
 * way Express's router does: the first route layer whose path matches and that handles
 * the method (HEAD falls back to GET). Each route's decision is worked out once.
 */
export class ExpressRoutes {
  /** null: a route of the platform itself, not of a Nest controller (Gatehouse leaves it alone). */
  private readonly decided = new WeakMap<ExpressRoute, RouteDecision | null>();

  constructor(
    private readonly app: ExpressAppLike,
    private readonly decisions: RouteDecisions,
  ) {}

  find(request: ExpressRequestLike): RouteDecision | null | typeof UNMATCHED {
    const path = pathnameOf(request);
    for (const layer of this.app.router.stack) {
      const route = layer.route;
      if (route === undefined) continue;
      const match = matches(layer, path);
      // Express stops routing at a layer that throws (a malformed escape): no route answers.
      if (match === undefined) return UNMATCHED;
      if (!match) continue;
      if (route._handlesMethod(request.method)) {
        request[FOUND] = route;
        return this.decisionOf(route);
      }
    }
    return UNMATCHED;
  }

  /** Works out every route's decision now: at startup, where a warning belongs. */
  decideAll(): void {
    for (const layer of this.app.router.stack) if (layer.route !== undefined) this.decisionOf(layer.route);
  }

  private decisionOf(route: ExpressRoute): RouteDecision | null {
    let decision = this.decided.get(route);
    if (decision === undefined) {
      const handle = route.stack[0]?.handle;
      decision = (handle !== undefined && typeof route.path === 'string' && this.decisions.forRegistered(handle, route.path)) || null;
      this.decided.set(route, decision);
    }
    return decision;
  }
}

/** undefined: matching threw. */
export function matches(layer: ExpressLayer, path: string): boolean | undefined {
  try {
    return Boolean(layer.match(path));
  } catch {
    return undefined;
  }
}

/** The path Express's router matches: what it parsed (and cached on the request), else the URL up to `?` or `#`. */
export function pathnameOf(request: ExpressRequestLike): string {
  const parsed = request._parsedUrl;
  if (parsed?._raw === request.url && typeof parsed.pathname === 'string') return parsed.pathname;
  const url = request.url;
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** Was the request dispatched to a route of a Nest controller (so a 404 is that route's own answer)? */
export function dispatchedToController(request: ExpressRequestLike): boolean {
  const route = request.route;
  const handle = route?.stack[0]?.handle;
  return handle !== undefined && Reflect.getMetadata(METHOD_METADATA, handle) !== undefined && route!._handlesMethod(request.method);
}

/** The route pattern a request went to (or was refused at), for the metrics; undefined: none. */
export function routePattern(request: ExpressRequestLike): string | undefined {
  const route = dispatchedToController(request) ? request.route : request[FOUND];
  return typeof route?.path === 'string' ? route.path : undefined;
}
