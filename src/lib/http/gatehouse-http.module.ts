import { Inject, Injectable, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SHUTTING_DOWN, sendHttpRefusal } from '../auth/refusal-replies.js';
import { securityHeaders } from './helmet-options.js';

/**
 * One Fastify onRequest hook: the security headers on every answer (computed once),
 * and a graceful stop: once the app starts closing (app.close(), SIGTERM), new
 * requests get 503 at once while those in flight finish.
 */
@Injectable()
export class HttpHygiene implements OnModuleInit, OnModuleDestroy {
  private stopping = false;

  constructor(@Inject(HttpAdapterHost) private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (fastify?.addHook === undefined) return;
    const headers = securityHeaders();
    fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      void reply.headers(headers);
      if (this.stopping) return sendHttpRefusal(reply, SHUTTING_DOWN);
      done();
    });
  }

  onModuleDestroy(): void {
    this.stopping = true;
  }
}

/** Security headers and the shutdown 503 for a Fastify app: what the server has, for yours too. */
@Module({ providers: [HttpHygiene] })
export class GatehouseHttpModule {}
