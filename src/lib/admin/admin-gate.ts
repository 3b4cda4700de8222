import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
  type NestMiddleware,
  type OnModuleInit,
} from '@nestjs/common';
import { Authenticator } from '../auth/authenticator.js';
import { httpRefusal, sendHttpRefusal, unread, type HttpRefusal } from '../auth/refusal-replies.js';
import type { AuthFailure } from '../core/auth-failure.js';
import type { MaybePromise } from '../core/settle.js';
import { escapeLineBreaks } from '../observability/log-safety.js';
import { Revocations } from '../revocation/revocations.service.js';
import { ADMIN_REFUSAL, carriesAdminKey } from './admin-key.js';

export const ADMIN_KEY_DIGEST = Symbol('GATEHOUSE_ADMIN_KEY_DIGEST');

/**
 * The admin key (docs/protocol.md §11), checked as a Nest middleware on the admin
 * routes: it runs before the route's body is parsed on Fastify (and before any guard
 * on Express as on Fastify), and speaks only Node's own request and response, so it
 * works on either HTTP platform. Checked again as a guard on the controller, so that
 * the routes never run unchecked.
 *
 * A wrong or missing key is a failed authentication (§10): counted against the
 * client's address by the same failure limit as bad tokens, so an address over the
 * limit gets 429 rate_limited instead of 401 until its window ends. The right key is
 * always let in, as a valid token always is. Each refusal is logged with the address
 * and what was wrong, never with what was sent.
 */
@Injectable()
export class AdminGate implements NestMiddleware, CanActivate, OnModuleInit {
  private readonly logger = new Logger('Admin');

  constructor(
    @Inject(ADMIN_KEY_DIGEST) private readonly digest: Buffer,
    @Inject(Revocations) private readonly revocations: Revocations,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
  ) {}

  onModuleInit(): void {
    if (!this.revocations.enabled) throw new Error('GatehouseAdminModule needs revocation on: GatehouseModule has revocation: false');
  }

  async use(request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    const authorization = request.headers.authorization;
    if (carriesAdminKey(authorization, this.digest)) return next();
    const refusal = await this.refusalFor(request, authorization === undefined ? 'no admin key' : 'wrong admin key');
    // Node's own response API: the same on Fastify and Express. A body left unread closes the connection.
    sendHttpRefusal(response, unread(request, refusal));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: IncomingMessage['headers'] }>();
    if (carriesAdminKey(request.headers.authorization, this.digest)) return true;
    throw new HttpException(ADMIN_REFUSAL.body, ADMIN_REFUSAL.status);
  }

  /**
   * Counts the failure as the Authenticator counts a bad token's, and logs it: 401, 429
   * once the address is over the limit, 503 when the limit's store failed.
   */
  private refusalFor(request: IncomingMessage, why: string): MaybePromise<HttpRefusal> {
    const address = this.authenticator.addressOf(request);
    // A middleware sees the URL below its mount point; both platforms keep the whole one in originalUrl.
    const url = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '';
    const where = { address: escapeLineBreaks(address), method: request.method, path: escapeLineBreaks(url.split('?')[0]) };
    const log = () => this.logger.warn({ msg: `admin API refused: ${why}`, event: 'admin_key_refused', ...where });
    const failure = this.authenticator.countFailure('http', address, log);
    const reply = (refusal: AuthFailure | undefined) => (refusal === undefined ? ADMIN_REFUSAL : httpRefusal(refusal));
    return failure instanceof Promise ? failure.then(reply) : reply(failure);
  }
}
