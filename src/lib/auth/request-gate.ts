import { Inject, Injectable } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, RouteOptions } from 'fastify';
import { AuthFailure } from '../core/auth-failure.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { Authenticator, type Outcome } from './authenticator.js';
import type { GuardedRequest } from './gatehouse.guard.js';
import { isPublicHandler } from './public.decorator.js';
import { httpRefusal, sendHttpRefusal } from './refusal-replies.js';

/** Marks, in a Fastify route's config, a route of a Nest controller that is not @Public(). */
const GUARDED = Symbol('gatehouse.guarded');

/**
 * Refused before read (docs/protocol.md §10): Nest's guards run after Fastify has read
 * and parsed the body, so a request that carries one to a guarded route (or to a path
 * no route matches, which answers 401 the same way) is authenticated in Fastify's
 * onRequest hook instead, and a refusal is sent before a
 * byte of the body is parsed. The guard then finds request.user already set. Requests
 * without a body go through the guard as usual.
 *
 * Which routes are guarded is decided once per route, as Nest registers it (an
 * onRoute hook): only there is the handler the one carrying @Public()'s metadata; the
 * handler a request sees is Fastify's bound copy, which carries none.
 */
@Injectable()
export class RequestGate {
  private installed = false;

  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(GATEHOUSE_SETTINGS) private readonly settings: GatehouseSettings,
  ) {}

  /** Called by GatehouseModule.configure(), which Nest runs before it registers the routes. */
  install(): void {
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (this.installed || !this.settings.globalGuard || fastify?.addHook === undefined) return;
    this.installed = true;
    fastify.addHook('onRoute', markGuarded);
    fastify.addHook('onRequest', (request: GuardedRequest, reply: FastifyReply, done: (error?: Error) => void) => {
      // hasBody first: request.routeOptions builds a new object on every read.
      // Unmatched paths answer 401 to anyone without a valid token too (UnknownRouteFilter).
      if (!hasBody(request.headers) || !(request.is404 || isGuarded(request.routeOptions.config))) {
        return done();
      }
      const finish = (outcome: Outcome): void => {
        if (outcome instanceof AuthFailure) return sendHttpRefusal(reply, httpRefusal(outcome));
        request.user = outcome;
        done();
      };
      const outcome = this.authenticator.authenticateRequest(request);
      if (outcome instanceof Promise) outcome.then(finish, done);
      else finish(outcome);
    });
  }
}

/** A route of a Nest controller (its handler has Nest's route metadata) that is not @Public(). */
function markGuarded(route: RouteOptions): void {
  const handler = route.handler as object;
  if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined || isPublicHandler(handler)) return;
  route.config = { ...(route.config as object | undefined), [GUARDED]: true } as RouteOptions['config'];
}

function isGuarded(config: object): boolean {
  return (config as Record<symbol, unknown>)[GUARDED] === true;
}

function hasBody(headers: GuardedRequest['headers']): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
