import { UseGuards } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { AuthorizationGuard } from './authorization.guard.js';
import { addRequirement, type ChannelSelector, type Policy, type Requirement } from '../authz/requirements.js';

// The decorators users put on routes and gateway handlers (docs/authorization.md). Each
// records its requirement and, for REST, puts AuthorizationGuard on the class or method
// (once), so a requirement is enforced whatever the app's guard setup: with
// `globalGuard: false` and no Gatehouse guard it still authenticates first. Gateway
// messages are checked by the Gatehouse WebSocket adapters instead (global and
// method guards cannot answer the protocol's way); the guard lets them through.

function enforced(entry: Requirement): ClassDecorator & MethodDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    addRequirement(entry)(target, key!, descriptor!);
    const holder = descriptor === undefined ? target : (descriptor.value as object);
    const guards = (Reflect.getOwnMetadata(GUARDS_METADATA, holder) as unknown[] | undefined) ?? [];
    if (!guards.includes(AuthorizationGuard)) {
      if (descriptor === undefined) UseGuards(AuthorizationGuard)(target as never);
      else UseGuards(AuthorizationGuard)(target, key!, descriptor);
    }
  };
}

function names(decorator: string, list: readonly string[]): readonly string[] {
  if (list.length === 0 || list.some((name) => typeof name !== 'string' || name === '' || /\s/.test(name))) {
    throw new TypeError(`@${decorator}() needs one or more names without spaces, got ${JSON.stringify(list)}`);
  }
  return Object.freeze([...list]);
}

/** The token must carry every one of these scopes; else 403 insufficient_scope. */
export function RequireScopes(...scopes: string[]): ClassDecorator & MethodDecorator {
  return enforced({ kind: 'scopes', scopes: names('RequireScopes', scopes) });
}

/** The token must carry at least one of these roles; else 403 forbidden. */
export function RequireRoles(...roles: string[]): ClassDecorator & MethodDecorator {
  return enforced({ kind: 'roles', roles: names('RequireRoles', roles) });
}

/** `policy(session, input)` must answer true (or a promise of true); else 403 forbidden; a throw is 503 auth_unavailable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function Authorize<I = any>(policy: Policy<I>): ClassDecorator & MethodDecorator {
  if (typeof policy !== 'function') throw new TypeError('@Authorize() needs a function (session, input) => boolean');
  return enforced({ kind: 'policy', policy: policy as Policy });
}

/** The handler runs only when `select(data)` names a channel that one of the token's channel patterns matches. */
export function AuthorizeChannel<D = unknown>(select: ChannelSelector<D>): MethodDecorator {
  if (typeof select !== 'function') throw new TypeError('@AuthorizeChannel() needs a function (data) => channel name');
  return enforced({ kind: 'channel', select: select as ChannelSelector });
}
