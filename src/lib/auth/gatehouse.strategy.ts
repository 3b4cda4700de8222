import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import type { Session } from '../core/session.js';
import { admittedSession, authenticateHttp } from './admission.js';
import { Authenticator, type AuthRequest } from './authenticator.js';

/** The passport strategy name: `@UseGuards(AuthGuard('gatehouse'))`. */
export const GATEHOUSE_STRATEGY = 'gatehouse';

/**
 * Gatehouse as a passport strategy, for apps that guard routes themselves
 * (`globalGuard: false`). It asks the same Authenticator as the global guard, so the
 * answers are the same 401/429; a request the platform gate already admitted keeps
 * that session (its token is not checked, logged and counted twice). Passport's
 * registry is global to the process: with two Gatehouse apps in one process, the last
 * one started owns the name.
 */
@Injectable()
export class GatehouseStrategy extends PassportStrategy(Strategy, GATEHOUSE_STRATEGY) {
  constructor(@Inject(Authenticator) private readonly authenticator: Authenticator) {
    super();
  }

  async validate(request: AuthRequest & object): Promise<Session> {
    await authenticateHttp(this.authenticator, request);
    return admittedSession(request)!;
  }
}
