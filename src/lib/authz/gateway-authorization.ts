import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA, GATEWAY_OPTIONS, MESSAGE_METADATA } from '@nestjs/websockets/constants.js';
import type { Session } from '../core/session.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { authorize, type Verdict } from './authorize.js';
import { decoratedMethods, requirementsOf, type Requirements } from './requirements.js';
import { channelAllowed, rightsOf, type Rights, type RightsPaths } from '../core/rights.js';

/**
 * Gateway messages (docs/protocol.md §15): Nest hands an adapter each handler as an event
 * name and a bound callback, without its class or method, and guards cannot answer the
 * protocol's way. So the requirements of every `@SubscribeMessage` handler are gathered
 * once, by gateway namespace (Socket.IO) and event, and the Gatehouse adapters ask here
 * before they call a handler, with the same authorize() that REST uses.
 */
@Injectable()
export class GatewayAuthorization implements OnModuleInit {
  private readonly paths: RightsPaths;
  /** Every handler, in discovery order, with its gateway's `namespace` option. */
  private readonly handlers: { readonly namespace: unknown; readonly event: string; readonly entry: Entry }[] = [];

  constructor(
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.paths = settings.rights;
  }

  /**
   * Gathered at startup, where two handlers of one event on one namespace option with
   * different requirements stop the app.
   */
  onModuleInit(): void {
    this.gather();
    const byNamespace = new Map<unknown, Map<string, Entry>>();
    for (const { namespace, event, entry } of this.handlers) {
      const name = typeof namespace === 'string' || namespace === undefined ? normalizeNamespace(namespace ?? '') : namespace;
      if (!byNamespace.has(name)) byNamespace.set(name, new Map());
      record(byNamespace.get(name)!, event, entry, `"${event}" on namespace ${describeNamespace(name)}`);
    }
    const clash = [...byNamespace.values()].flatMap((events) => [...events.values()]).find((entry) => entry.clash !== undefined);
    if (clash) throw new Error(clash.clash);
  }

  /**
   * Each event's requirements on the gateways whose `namespace` option `serves` accepts
   * (Socket.IO matches a name, a RegExp or a function; raw WebSocket serves every gateway
   * on one path): one map, for an adapter to share among the sockets it serves there.
   * Every handler of an event runs on a message, so when several gateways there handle
   * one event, the requirements of each must pass.
   */
  requirementsWhere(serves: (namespace: unknown) => boolean): ReadonlyMap<string, Requirements | undefined> {
    const events = new Map<string, Requirements | undefined>();
    for (const { namespace, event, entry } of this.handlers) {
      if (serves(namespace)) events.set(event, allOf(events.get(event), entry.requirements));
    }
    return events;
  }

  /** undefined: the handler may run (`channels` then holds the channels it asked for). Synchronous unless a policy answers with a promise. */
  authorize(requirements: Requirements, session: Session, data: unknown, channels?: string[]): Verdict | Promise<Verdict> {
    return authorize(requirements, session, this.rightsOf(session), data, channels);
  }

  rightsOf(session: Session): Rights {
    return rightsOf(session, this.paths);
  }

  /** Still allowed under `session`'s rights: for rooms checked again after a refresh. */
  channelStillAllowed(session: Session, channel: string): boolean {
    return channelAllowed(this.rightsOf(session).channels, channel);
  }

  private gather(): void {
    const seen = new Set<object>();
    for (const module of this.modules.values()) {
      for (const wrapper of module.providers.values()) {
        const gateway = wrapper.metatype as (abstract new (...args: never[]) => object) | null | undefined;
        if (typeof gateway !== 'function' || Reflect.getMetadata(GATEWAY_METADATA, gateway) !== true || seen.has(gateway)) continue;
        seen.add(gateway);
        const { namespace } = (Reflect.getMetadata(GATEWAY_OPTIONS, gateway) ?? {}) as { namespace?: unknown };
        for (const [name, handler] of decoratedMethods(gateway, MESSAGE_METADATA)) {
          const event = Reflect.getMetadata(MESSAGE_METADATA, handler) as unknown;
          if (typeof event !== 'string') continue;
          this.handlers.push({
            namespace,
            event,
            entry: { owner: `${gateway.name}.${name}`, requirements: requirementsOf(gateway, handler) },
          });
        }
      }
    }
  }
}

interface Entry {
  readonly owner: string;
  readonly requirements: Requirements | undefined;
  /** Set when two handlers of one key differ: the startup error. */
  clash?: string;
}

function record(table: Map<string, Entry>, at: string, found: Entry, where: string): void {
  const existing = table.get(at);
  if (existing === undefined) {
    table.set(at, { ...found });
  } else if (existing.clash === undefined && !sameRequirements(existing.requirements, found.requirements)) {
    existing.clash = `Gatehouse: ${existing.owner} and ${found.owner} both handle ${where} with different authorization requirements: give them the same requirements or different events`;
  }
}

/** Both sets of requirements, each of which must pass. */
function allOf(a: Requirements | undefined, b: Requirements | undefined): Requirements | undefined {
  if (a === undefined || sameRequirements(a, b)) return b;
  if (b === undefined) return a;
  return {
    scopes: [...new Set([...a.scopes, ...b.scopes])],
    roles: [...a.roles, ...b.roles],
    policies: [...a.policies, ...b.policies],
    channels: [...a.channels, ...b.channels],
  };
}

function describeNamespace(name: unknown): string {
  if (typeof name === 'string') return name;
  return name instanceof RegExp ? name.toString() : '(a function)';
}

function normalizeNamespace(namespace: string): string {
  return namespace.startsWith('/') ? namespace : `/${namespace}`;
}

function sameRequirements(a: Requirements | undefined, b: Requirements | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const same = <T>(x: readonly T[], y: readonly T[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return same(a.scopes, b.scopes) && same(a.roles.flat(), b.roles.flat()) && same(a.policies, b.policies) && same(a.channels, b.channels);
}
