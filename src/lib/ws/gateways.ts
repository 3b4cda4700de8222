import type { ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA, GATEWAY_OPTIONS } from '@nestjs/websockets/constants.js';
import type { Session, SessionClaims } from '../core/session.js';
import type { MaybePromise } from '../core/settle.js';

/**
 * A gateway that wants to know who its clients are (docs/protocol.md §14):
 * `handleAuthenticated(client, session)` is called when a socket authenticates (an
 * upgrade header, a Socket.IO handshake or a first `auth` frame) and again after each
 * refresh, with the new session. A handshake's session arrives before Nest's
 * `handleConnection`, a first frame's after it. `client` is the raw `ws` socket or the
 * Socket.IO socket, as handlers receive it.
 */
export interface OnGatewayAuthenticated<Client = any, Claims = SessionClaims> {
  handleAuthenticated(client: Client, session: Session<Claims>): MaybePromise<void>;
}

/** A `@WebSocketGateway` of the app: its instance and decorator options. */
export interface Gateway {
  readonly instance: object;
  readonly options: { readonly path?: string; readonly namespace?: unknown };
}

export function isOnGatewayAuthenticated(instance: object): instance is OnGatewayAuthenticated {
  return typeof (instance as Partial<OnGatewayAuthenticated>).handleAuthenticated === 'function';
}

/**
 * Every gateway provider of every module, once each (Nest's own discovery: the
 * provider's class carries @WebSocketGateway's metadata). Request-scoped gateways have
 * no single instance and are left out.
 */
export function findGateways(modules: ModulesContainer): Gateway[] {
  const found = new Map<object, Gateway>();
  for (const module of modules.values()) {
    for (const wrapper of module.providers.values()) {
      const { metatype, instance } = wrapper;
      if (typeof metatype !== 'function' || !Reflect.getMetadata(GATEWAY_METADATA, metatype)) continue;
      if (!wrapper.isDependencyTreeStatic() || instance === null || typeof instance !== 'object' || found.has(instance)) continue;
      found.set(instance, { instance, options: (Reflect.getMetadata(GATEWAY_OPTIONS, metatype) as Gateway['options'] | undefined) ?? {} });
    }
  }
  return [...found.values()];
}
