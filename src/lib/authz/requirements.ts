import { MetadataScanner } from '@nestjs/core';
import type { Session } from '../core/session.js';

// The authorization decorators (docs/protocol.md §15): on a controller class, a route,
// or a gateway's @SubscribeMessage handler. A class's and a method's requirements must
// both pass; each is stored as metadata and gathered once per route at startup.

export const AUTHORIZATION = 'gatehouse:authorization';

/** Says whether `session` may go on with `input`: the request over REST, the message data on a gateway. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Policy<I = any> = (session: Session, input: I) => boolean | Promise<boolean>;

/** The channel a message is about, from its data. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ChannelSelector<D = any> = (data: D) => string;

export type Requirement =
  | { readonly kind: 'scopes'; readonly scopes: readonly string[] }
  | { readonly kind: 'roles'; readonly roles: readonly string[] }
  | { readonly kind: 'policy'; readonly policy: Policy }
  | { readonly kind: 'channel'; readonly select: ChannelSelector };

/** A route's or handler's requirements, gathered from its class and its method. */
export interface Requirements {
  /** Every one of them (class and method together). */
  readonly scopes: readonly string[];
  /** One set per @RequireRoles: each needs any one of its roles. */
  readonly roles: readonly (readonly string[])[];
  readonly policies: readonly Policy[];
  readonly channels: readonly ChannelSelector[];
}

/** Adds one requirement to a class's or a method's own list (the decorators' common part). */
export function addRequirement(entry: Requirement): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder = descriptor === undefined ? target : (descriptor.value as object);
    // Own metadata only: a subclass's decorator must not add to its base class's list.
    const own = (Reflect.getOwnMetadata(AUTHORIZATION, holder) as Requirement[] | undefined) ?? [];
    Reflect.defineMetadata(AUTHORIZATION, [...own, entry], holder);
  };
}

/**
 * The requirements of `handler` in `controller`: the class's (a base class's included,
 * as Nest reads class metadata) and then the method's. Undefined when there are none,
 * which is what almost every route has: nothing is evaluated for it.
 */
export function requirementsOf(controller: object | undefined, handler: object): Requirements | undefined {
  const fromClass = controller === undefined ? undefined : (Reflect.getMetadata(AUTHORIZATION, controller) as Requirement[] | undefined);
  const fromMethod = Reflect.getOwnMetadata(AUTHORIZATION, handler) as Requirement[] | undefined;
  const all = [...(fromClass ?? []), ...(fromMethod ?? [])];
  if (all.length === 0) return undefined;
  const scopes = new Set<string>();
  const roles: (readonly string[])[] = [];
  const policies: Policy[] = [];
  const channels: ChannelSelector[] = [];
  for (const entry of all) {
    if (entry.kind === 'scopes') for (const scope of entry.scopes) scopes.add(scope);
    else if (entry.kind === 'roles') roles.push(entry.roles);
    else if (entry.kind === 'policy') policies.push(entry.policy);
    else channels.push(entry.select);
  }
  return { scopes: [...scopes], roles, policies, channels };
}

type Handler = (...args: never[]) => unknown;

/**
 * The methods of a class and its bases that carry `metadataKey` (a route's METHOD_METADATA,
 * a gateway handler's MESSAGE_METADATA), by name: the nearest definition of each, as Nest
 * registers them (an override hides its base's method).
 */
export function decoratedMethods(type: abstract new (...args: never[]) => object, metadataKey: string): Map<string, Handler> {
  const methods = new Map<string, Handler>();
  const prototype = type.prototype as Record<string, unknown>;
  for (const name of new MetadataScanner().getAllMethodNames(prototype)) {
    const handler = prototype[name];
    if (typeof handler === 'function' && Reflect.getMetadata(metadataKey, handler) !== undefined) methods.set(name, handler as Handler);
  }
  return methods;
}
