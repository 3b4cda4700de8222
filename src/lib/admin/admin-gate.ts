import { HttpException, Inject, Injectable, type CanActivate, type ExecutionContext, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendHttpRefusal } from '../auth/refusal-replies.js';
import { Revocations } from '../revocation/revocations.service.js';
import { ADMIN_REFUSAL, carriesAdminKey } from './admin-key.js';

const ADMIN_ROUTE_KEY = 'gatehouseAdmin';

/** @nestjs/platform-fastify's FASTIFY_ROUTE_CONFIG_METADATA: what Nest hands Fastify as the route's `config`. */
const FASTIFY_ROUTE_CONFIG = '__fastify_route_config__';

/**
 * Adds `key: true` to a route's Fastify config, beside what @RouteConfig() put there: a
 * Fastify hook sees the route's config, while the handler it sees is a bound copy that
 * carries none of Nest's metadata.
 */
function markRouteConfig(method: object, key: string): void {
  const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG, method) as Record<string, unknown> | undefined) ?? {};
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG, { ...config, [key]: true }, method);
}

function routeMarked(routeOptions: { readonly config?: unknown } | undefined, key: string): boolean {
  return (routeOptions?.config as Record<string, unknown> | undefined)?.[key] === true;
}

/** Marks a handler as an admin route (in its Fastify config): the admin key is checked before anything else. */
export function ADMIN_ROUTE(): MethodDecorator {
  return (_target, _key, descriptor) => markRouteConfig(descriptor.value as object, ADMIN_ROUTE_KEY);
}

export const ADMIN_KEY_DIGEST = Symbol('GATEHOUSE_ADMIN_KEY_DIGEST');

/**
 * The admin key, checked in Fastify's onRequest hook: a caller without it is refused
 * before its body is read, as guarded routes are (docs/protocol.md §10). Checked
 * again as a guard on the controller, so that the routes never run unchecked.
 */
@Injectable()
export class AdminGate implements OnModuleInit, CanActivate {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(ADMIN_KEY_DIGEST) private readonly digest: Buffer,
    @Inject(Revocations) private readonly revocations: Revocations,
  ) {}

  onModuleInit(): void {
    if (!this.revocations.enabled) throw new Error('GatehouseAdminModule needs revocation on: GatehouseModule has revocation: false');
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (fastify?.addHook === undefined) throw new Error('GatehouseAdminModule needs the Fastify HTTP adapter');
    fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (!routeMarked(request.routeOptions, ADMIN_ROUTE_KEY) || carriesAdminKey(request.headers.authorization, this.digest)) return done();
      sendHttpRefusal(reply, ADMIN_REFUSAL);
    });
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (carriesAdminKey(request.headers.authorization, this.digest)) return true;
    throw new HttpException(ADMIN_REFUSAL.body, ADMIN_REFUSAL.status);
  }
}
