import type { Server } from 'node:http';
import { Inject, Injectable, Module, Optional, type DynamicModule, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SHUTTING_DOWN, sendHttpRefusal } from '../auth/refusal-replies.js';
import { securityHeaders } from './helmet-options.js';
import {
  applyHttpTimeouts,
  HTTP_TIMEOUT_DEFAULTS,
  resolveHttpTimeouts,
  type HttpTimeoutOptions,
  type HttpTimeouts,
} from './http-timeouts.js';
import { setHeaders, type HttpResponse } from '../platform/json-reply.js';
import { httpPlatform, insertExpressMiddleware } from '../platform/platform.js';

export type GatehouseHttpOptions = HttpTimeoutOptions;

const HTTP_TIMEOUTS = Symbol('GATEHOUSE_HTTP_TIMEOUTS');

/**
 * The security headers on every answer (computed once), a graceful stop (once the app
 * starts closing, app.close() or SIGTERM, new requests get 503 at once while those in
 * flight finish), and the timeouts for connections that say nothing. First in line on
 * either platform: a Fastify onRequest hook, the head of Express's middleware.
 */
@Injectable()
export class HttpHygiene implements OnModuleInit, OnModuleDestroy {
  private stopping = false;
  private readonly timeouts: HttpTimeouts;

  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Optional() @Inject(HTTP_TIMEOUTS) timeouts?: HttpTimeouts,
  ) {
    this.timeouts = timeouts ?? HTTP_TIMEOUT_DEFAULTS;
  }

  onModuleInit(): void {
    const platform = httpPlatform(this.host.httpAdapter);
    if (platform === undefined) return;
    const server = this.host.httpAdapter.getHttpServer() as Server | undefined;
    if (server !== undefined) applyHttpTimeouts(server, this.timeouts);
    const headers = securityHeaders();
    const answer = (response: HttpResponse): boolean => {
      setHeaders(response, headers);
      if (this.stopping) sendHttpRefusal(response, SHUTTING_DOWN);
      return this.stopping;
    };
    if (platform.kind === 'fastify') {
      platform.app.addHook('onRequest', (_request: unknown, reply: HttpResponse, done: () => void) => {
        if (!answer(reply)) done();
      });
    } else {
      insertExpressMiddleware(
        platform.app,
        function gatehouseHttpHygiene(_request: unknown, response: HttpResponse, next: () => void) {
          if (!answer(response)) next();
        },
        true,
      );
    }
  }

  onModuleDestroy(): void {
    this.stopping = true;
  }
}

/**
 * Security headers, the shutdown 503 and the HTTP timeouts, on Express or Fastify:
 * what the server has, for your app too. Import it as is (the defaults) or with
 * forRoot({ headersTimeoutMs, keepAliveTimeoutMs, requestTimeoutMs }).
 */
@Module({ providers: [HttpHygiene] })
export class GatehouseHttpModule {
  static forRoot(options: GatehouseHttpOptions = {}): DynamicModule {
    // Checked here, so that bad options stop the app as it is assembled.
    const timeouts = resolveHttpTimeouts(options);
    return { module: GatehouseHttpModule, providers: [{ provide: HTTP_TIMEOUTS, useValue: timeouts }, HttpHygiene] };
  }
}
