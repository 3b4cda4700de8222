import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../options/settings.js';
import { Authenticator, type Outcome } from './authenticator.js';
import { isPublicHandler } from './public.decorator.js';
import { GatehouseRefusal } from './refusal-replies.js';

export type GuardedRequest = FastifyRequest & { user?: Session };

/** request.user holds the session (where passport puts it: @CurrentSession() reads it), or the refusal is thrown. */
export function admit(request: { user?: Session }, outcome: Outcome): true {
  if (outcome instanceof AuthFailure) throw new GatehouseRefusal(outcome);
  request.user = outcome;
  return true;
}

/**
 * The global REST guard (`globalGuard`, on by default): every route needs a valid
 * bearer token unless it is marked @Public(). Sockets are authenticated by the
 * WebSocket adapters and guarded by WsSessionGuard instead.
 */
@Injectable()
export class GatehouseGuard implements CanActivate {
  private readonly enabled: boolean;

  // Explicit @Inject: tools without decorator metadata (tsx, Vitest) can still build it.
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(GATEHOUSE_SETTINGS) settings: GatehouseSettings,
  ) {
    this.enabled = settings.globalGuard;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (!this.enabled || context.getType() !== 'http') return true;
    if (isPublicHandler(context.getHandler(), context.getClass())) return true;
    // The request is argument 0: what switchToHttp().getRequest() returns, without the
    // three closures switchToHttp() adds to the context on every call.
    const request = context.getArgByIndex<GuardedRequest>(0);
    // Already authenticated before its body was read (RequestGate).
    if (request.user !== undefined) return true;
    const outcome = this.authenticator.authenticateRequest(request);
    return outcome instanceof Promise ? outcome.then((value) => admit(request, value)) : admit(request, outcome);
  }
}
