import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AuthFailure } from '../core/auth-failure.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { Authenticator, type Outcome } from './authenticator.js';
import type { GuardedRequest } from './gatehouse.guard.js';
import { isPublicHandler } from './public.decorator.js';
import { httpRefusal, sendHttpRefusal } from './refusal-replies.js';

/**
 * Refused before read (docs/protocol.md §10): Nest's guards run after Fastify has read
 * and parsed the body, so a request that carries one to a guarded route is
 * authenticated in Fastify's onRequest hook instead, and a refusal is sent before a
 * byte of the body is read. The guard then finds request.user already set. Requests
 * without a body go through the guard as usual.
 */
@Injectable()
export class RequestGate implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(GATEHOUSE_SETTINGS) private readonly settings: GatehouseSettings,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!this.settings.globalGuard || fastify?.addHook === undefined) return;
    fastify.addHook('onRequest', (request: GuardedRequest, reply: FastifyReply, done: (error?: Error) => void) => {
      // hasBody first: request.routeOptions builds a new object on every read.
      if (!hasBody(request.headers)) return done();
      const { handler, url } = request.routeOptions;
      if (handler === undefined || url === undefined || isPublicHandler(handler)) return done();
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

function hasBody(headers: GuardedRequest['headers']): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
