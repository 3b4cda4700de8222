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
import { httpRefusal, type HttpRefusal } from '../auth/refusal-replies.js';
import { RateLimitedFailure } from '../core/auth-failure.js';
import { FailureLimit } from '../limits/failure-limit.js';
import { AuthEventsService } from '../observability/auth-events.service.js';
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
    @Inject(FailureLimit) private readonly limiter: FailureLimit,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(AuthEventsService) private readonly events: AuthEventsService,
  ) {}

  onModuleInit(): void {
    if (!this.revocations.enabled) throw new Error('GatehouseAdminModule needs revocation on: GatehouseModule has revocation: false');
  }

  async use(request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): Promise<void> {
    const authorization = request.headers.authorization;
    if (carriesAdminKey(authorization, this.digest)) return next();
    const refusal = await this.refusalFor(request, authorization === undefined ? 'no admin key' : 'wrong admin key');
    send(request, response, refusal);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: IncomingMessage['headers'] }>();
    if (carriesAdminKey(request.headers.authorization, this.digest)) return true;
    throw new HttpException(ADMIN_REFUSAL.body, ADMIN_REFUSAL.status);
  }

  /** Counts the failure and logs it: 401, or 429 once the address is over the limit. */
  private async refusalFor(request: IncomingMessage, why: string): Promise<HttpRefusal> {
    const address = this.authenticator.addressOf(request);
    // A middleware sees the URL below its mount point; both platforms keep the whole one in originalUrl.
    const url = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '';
    const where = { address: escapeLineBreaks(address), method: request.method, path: escapeLineBreaks(url.split('?')[0]) };
    if (!this.limiter.enabled) {
      this.logger.warn({ msg: `admin API refused: ${why}`, event: 'admin_key_refused', ...where });
      return ADMIN_REFUSAL;
    }
    const count = await this.limiter.countFailure(address);
    if (count.retryAfterSeconds > 0) {
      this.events.rateLimited('http', { address, retryAfterSeconds: count.retryAfterSeconds });
      return httpRefusal(new RateLimitedFailure(count.retryAfterSeconds));
    }
    this.logger.warn({ msg: `admin API refused: ${why}`, event: 'admin_key_refused', ...where });
    if (count.blocked) {
      this.events.addressBlocked('http', { address, failures: this.limiter.limit, windowSeconds: this.limiter.windowMs / 1000 });
    }
    return ADMIN_REFUSAL;
  }
}

/** The refusal, written with Node's own response API (the same on Fastify and Express). */
function send(request: IncomingMessage, response: ServerResponse, refusal: HttpRefusal): void {
  const body = JSON.stringify(refusal.body);
  response.statusCode = refusal.status;
  for (const [name, value] of Object.entries(refusal.headers)) response.setHeader(name, value);
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  // A body left unread is not drained: the connection ends with the answer.
  const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
  if (hasBody) response.setHeader('Connection', 'close');
  response.end(body);
}
