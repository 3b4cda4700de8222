import { addRequirement, type ChannelSelector, type Policy } from '../authz/requirements.js';

// The decorators users put on routes and gateway handlers (docs/authorization.md). Each
// records its requirement; the guard that authenticates a route (the global guard,
// GatehouseGuard, AuthorizationGuard) judges it, and the Gatehouse WebSocket adapters
// judge gateway messages. With `globalGuard: false`, a route with a requirement but
// none of those guards stops the app at startup: a requirement is never silently off.

function names(decorator: string, list: readonly string[]): readonly string[] {
  if (list.length === 0 || list.some((name) => typeof name !== 'string' || name === '' || /\s/.test(name))) {
    throw new TypeError(`@${decorator}() needs one or more names without spaces, got ${JSON.stringify(list)}`);
  }
  return Object.freeze([...list]);
}

/** The token must carry every one of these scopes; else 403 insufficient_scope. */
export function RequireScopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  return addRequirement({ kind: 'scopes', scopes: names('RequireScopes', scopes) });
}

/** The token must carry at least one of these roles; else 403 forbidden. */
export function RequireRoles(...roles: string[]): ClassDecorator & MethodDecorator {
  return addRequirement({ kind: 'roles', roles: names('RequireRoles', roles) });
}

/** `policy(session, input)` must answer true (or a promise of true); else 403 forbidden; a throw is 503 auth_unavailable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function Authorize<I = any>(policy: Policy<I>): ClassDecorator & MethodDecorator {
  if (typeof policy !== 'function') throw new TypeError('@Authorize() needs a function (session, input) => boolean');
  return addRequirement({ kind: 'policy', policy: policy as Policy });
}

/** The handler runs only when `select(data)` names a channel that one of the token's channel patterns matches. */
export function AuthorizeChannel<D = unknown>(select: ChannelSelector<D>): MethodDecorator {
  if (typeof select !== 'function') throw new TypeError('@AuthorizeChannel() needs a function (data) => channel name');
  return addRequirement({ kind: 'channel', select: select as ChannelSelector });
}
