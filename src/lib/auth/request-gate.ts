import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuthFailure } from '../core/auth-failure.js';
import type { HttpResponse } from '../platform/json-reply.js';
import { hasBody, httpPlatform, insertExpressMiddleware, type ExpressAppLike, type FastifyLike } from '../platform/platform.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { remember } from './admission.js';
import { Authenticator, type AuthRequest, type Outcome } from './authenticator.js';
import { ExpressRoutes, UNMATCHED, type ExpressRequestLike } from './express-routes.js';
import { httpRefusal, sendHttpRefusal, unread } from './refusal-replies.js';
import { RouteDecisions } from './route-decisions.js';

type Done = (error?: unknown) => void;

/**
 * The platform gate (docs/protocol.md §10, §14): every request to a guarded route, and
 * every request with a body to a path no route matches, is authenticated before Nest's
 * guards run and before its body is read or parsed. So a refusal costs no body, host
 * guards (APP_GUARD or @UseGuards) always find the session on request.user, and a
 * request without a valid token gets Gatehouse's 401, never a host guard's 403.
 *
 * Fastify: an onRequest hook on each guarded route (added as Nest registers it), and
 * one for unmatched paths. Express: a middleware ahead of the body parsers that finds
 * the route Express will dispatch to. Both read the decision the guard reads
 * (RouteDecisions). Not installed with `globalGuard: false`.
 */
@Injectable()
export class RequestGate implements OnApplicationBootstrap {
  private installed = false;
  private express: ExpressRoutes | undefined;

  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(RouteDecisions) private readonly decisions: RouteDecisions,
    @Inject(GATEHOUSE_SETTINGS) private readonly settings: GatehouseSettings,
  ) {}

  /**
   * Called by GatehouseModule.configure(), which Nest runs after it added its body
   * parsers and before it registers the routes. Stops an app on another HTTP adapter.
   */
  install(): void {
    const platform = httpPlatform(this.host.httpAdapter);
    if (this.installed || platform === undefined) return;
    this.installed = true;
    this.decisions.build();
    if (!this.settings.globalGuard) return;
    if (platform.kind === 'fastify') this.installFastify(platform.app);
    else this.installExpress(platform.app);
  }

  /** Express routes are only known once registered: their decisions (and warnings) now, at startup. */
  onApplicationBootstrap(): void {
    this.express?.decideAll();
  }

  private installFastify(fastify: FastifyLike): void {
    const gate = (request: AuthRequest & object, reply: HttpResponse, done: Done) => this.check(request, reply, done);
    fastify.addHook('onRoute', (route: { handler: Function; url?: string; path?: string; onRequest?: unknown }) => {
      const decision = this.decisions.forRegistered(route.handler, route.url ?? route.path ?? '');
      if (decision === undefined || decision.public) return;
      const own = route.onRequest;
      route.onRequest = own === undefined ? [gate] : [...(Array.isArray(own) ? own : [own]), gate];
    });
    // A body sent to a path no route matches: refused before it is read too (unknown
    // paths answer 401 without a valid token, UnknownRouteFilter).
    fastify.addHook('onRequest', (request: AuthRequest & { is404?: boolean }, reply: HttpResponse, done: Done) => {
      if (request.is404 === true && hasBody(request.headers)) this.check(request, reply, done);
      else done();
    });
  }

  private installExpress(app: ExpressAppLike): void {
    const routes = (this.express = new ExpressRoutes(app, this.decisions));
    const check = (request: AuthRequest & object, response: HttpResponse, next: Done) => this.check(request, response, next);
    insertExpressMiddleware(app, function gatehouseGate(request: ExpressRequestLike & AuthRequest, response: HttpResponse, next: Done) {
      const found = routes.find(request);
      if (found === UNMATCHED ? !hasBody(request.headers) : found === null || found.public) return next();
      check(request, response, next);
    });
  }

  /** Admits the request (then `done()`), or answers the refusal; a failure to decide goes to the platform's error handling. */
  private check(request: AuthRequest & object, response: HttpResponse, done: Done): void {
    const finish = (outcome: Outcome): void => {
      if (outcome instanceof AuthFailure) return sendHttpRefusal(response, unread(request, httpRefusal(outcome)));
      remember(request, outcome);
      done();
    };
    try {
      const outcome = this.authenticator.authenticateRequest(request);
      if (outcome instanceof Promise) outcome.then(finish, done);
      else finish(outcome);
    } catch (error) {
      done(error);
    }
  }
}
