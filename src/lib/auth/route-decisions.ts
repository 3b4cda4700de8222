import { Inject, Injectable, Logger, type Type } from '@nestjs/common';
import { ConfigurationError } from '../options/configuration-error.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { GUARDS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { decoratedMethods, requirementsOf, type Requirements } from '../authz/requirements.js';
import { IS_PUBLIC } from './public.decorator.js';

/**
 * What Gatehouse decided, at startup, about one route: a (controller class, handler)
 * pair. One record per route, so that later decisions (what a route requires) join it.
 */
export interface RouteDecision {
  readonly public: boolean;
  /** What the token must also allow (docs/protocol.md §15); undefined for nearly every route. */
  readonly requirements?: Requirements;
}

/**
 * Marks the guards that enforce a route's requirements (GatehouseGuard,
 * AuthorizationGuard): with `globalGuard: false` a route with requirements must carry one,
 * or the app stops at startup.
 */
export const ENFORCES_REQUIREMENTS = Symbol('gatehouse.enforcesRequirements');

const PUBLIC: RouteDecision = Object.freeze({ public: true });
const GUARDED: RouteDecision = Object.freeze({ public: false });

/**
 * Stamped on each route method function at startup. Nest copies a method's metadata
 * onto the handler it registers with Express or Fastify (one per controller), so the
 * platform's route leads back to the method function, and from it to the controllers
 * that serve it.
 */
const ROUTE_METHOD = 'gatehouse:routeMethod';

interface Candidate {
  readonly controller: Type;
  /** `Class.method`: the name Nest gives the handler it registers (when not deferred). */
  readonly name: string;
  /** Every `controller path + method path`, as segments. */
  readonly paths: readonly (readonly string[])[];
  readonly decision: RouteDecision;
}

/**
 * Public or guarded, decided once per controller and handler, Nest's way: method
 * metadata over class metadata (`getAllAndOverride`), over every route method of every
 * controller, inherited ones included. The guard reads it by (class, handler); the
 * platform gate, which sees only the handler Nest registered and its path, reads it
 * through forRegistered().
 */
@Injectable()
export class RouteDecisions {
  private readonly byController = new Map<Function, Map<Function, RouteDecision>>();
  private readonly candidates = new Map<Function, Candidate[]>();
  private readonly warned = new Set<string>();
  private built = false;

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(GATEHOUSE_SETTINGS) private readonly settings: GatehouseSettings,
  ) {}

  /** Reads every controller once; before Nest registers the routes (GatehouseModule.configure()). */
  build(): void {
    if (this.built) return;
    this.built = true;
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type | null;
      if (typeof controller !== 'function') continue;
      for (const [name, handler] of decoratedMethods(controller, METHOD_METADATA)) {
        const decision = this.decide(controller, handler);
        if (decision.requirements !== undefined && !this.settings.globalGuard) assertEnforced(controller, handler, name);
        Reflect.defineMetadata(ROUTE_METHOD, handler, handler);
        const list = this.candidates.get(handler) ?? [];
        list.push({ controller, name: `${controller.name}.${name}`, paths: routePaths(controller, handler), decision });
        this.candidates.set(handler, list);
      }
    }
  }

  /** The decision for a route as Nest's guards see it. */
  of(controller: Type, handler: Function): RouteDecision {
    return this.byController.get(controller)?.get(handler) ?? this.decide(controller, handler);
  }

  /**
   * The decision for a route as the platform registered it: Nest's handler (carrying
   * the method's metadata) and its full path. undefined: not a route of a Nest
   * controller of this app (a raw platform route). When several controllers share the
   * method (a base class's) and disagree, the one whose `controller/method` path is the
   * longest suffix of the registered path; still ambiguous: guarded, with a warning.
   */
  forRegistered(handler: Function, path: string): RouteDecision | undefined {
    const method = Reflect.getMetadata(ROUTE_METHOD, handler) as Function | undefined;
    const candidates = method === undefined ? undefined : this.candidates.get(method);
    if (candidates === undefined || candidates.length === 0) return undefined;
    const named = candidates.filter((candidate) => candidate.name === handler.name);
    const agreed = agreement(candidates) ?? agreement(named) ?? agreement(longestSuffix(named.length > 0 ? named : candidates, path));
    if (agreed !== undefined) return agreed;
    const key = `${path} ${candidates.map((candidate) => candidate.name).join(' ')}`;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      new Logger('Gatehouse').warn(
        `${path}: cannot tell which of ${candidates.map((candidate) => candidate.name).join(', ')} serves this route; ` +
          'it is treated as guarded before the body is read',
      );
    }
    return GUARDED;
  }

  /**
   * A route open to anyone cannot require a right: @Public() with an authorization
   * decorator on one route stops the app at startup, naming it.
   */
  private decide(controller: Type, handler: Function): RouteDecision {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [handler, controller]) === true;
    const requirements = requirementsOf(controller, handler);
    if (isPublic && requirements !== undefined) {
      throw new ConfigurationError([
        `${controller.name}.${handler.name}: @Public() cannot be combined with @RequireScopes, @RequireRoles, @Authorize or @AuthorizeChannel on one route (a route open to anyone cannot require a right)`,
      ]);
    }
    const decision = requirements === undefined ? (isPublic ? PUBLIC : GUARDED) : Object.freeze({ public: false, requirements });
    let handlers = this.byController.get(controller);
    if (handlers === undefined) this.byController.set(controller, (handlers = new Map()));
    handlers.set(handler, decision);
    return decision;
  }
}

/** The one decision all candidates share; undefined when none or they differ. */
function agreement(candidates: readonly Candidate[]): RouteDecision | undefined {
  const first = candidates[0]?.decision;
  return first !== undefined && candidates.every((candidate) => candidate.decision.public === first.public) ? first : undefined;
}

function longestSuffix(candidates: readonly Candidate[], path: string): Candidate[] {
  const registered = segments(path);
  const scores = candidates.map((candidate) => Math.max(0, ...candidate.paths.map((route) => suffixLength(registered, route))));
  const best = Math.max(0, ...scores);
  return best === 0 ? [] : candidates.filter((_candidate, index) => scores[index] === best);
}

/** How many segments `route` has, if it is a suffix of `registered`; 0 otherwise. */
function suffixLength(registered: readonly string[], route: readonly string[]): number {
  if (route.length === 0 || route.length > registered.length) return 0;
  const offset = registered.length - route.length;
  return route.every((segment, index) => segment === registered[offset + index]) ? route.length : 0;
}

function routePaths(controller: Type, handler: Function): string[][] {
  const controllerPaths = asList(Reflect.getMetadata(PATH_METADATA, controller));
  const methodPaths = asList(Reflect.getMetadata(PATH_METADATA, handler));
  return controllerPaths.flatMap((base) => methodPaths.map((own) => [...segments(base), ...segments(own)]));
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === 'string');
  return typeof value === 'string' ? [value] : [''];
}

function segments(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * With `globalGuard: false` only a Gatehouse guard on the route (GatehouseGuard, or
 * AuthorizationGuard beside another) judges its requirements: without one they would be
 * silently off, so the app stops, naming the route and the fix.
 */
function assertEnforced(controller: Type, handler: Function, name: string): void {
  const guards = [
    ...((Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []),
    ...((Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []),
  ];
  const enforces = (guard: unknown) => {
    const type = typeof guard === 'function' ? guard : (guard as { constructor?: unknown } | null)?.constructor;
    return (type as Record<symbol, unknown> | undefined)?.[ENFORCES_REQUIREMENTS] === true;
  };
  if (guards.some(enforces)) return;
  throw new ConfigurationError([
    `${controller.name}.${name}: its @RequireScopes/@RequireRoles/@Authorize would not be enforced with globalGuard: false; add @UseGuards(GatehouseGuard), or AuthorizationGuard after your own guard (@UseGuards(AuthGuard('gatehouse'), AuthorizationGuard))`,
  ]);
}
