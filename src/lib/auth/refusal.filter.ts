import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { HttpResponse } from '../platform/json-reply.js';
import { GatehouseRefusal, httpRefusal, sendHttpRefusal } from './refusal-replies.js';

/**
 * Gatehouse's own refusals only (401, 429), with their headers: WWW-Authenticate,
 * Retry-After. Every other exception of the host app is left to its own filters.
 */
@Catch(GatehouseRefusal)
export class RefusalFilter implements ExceptionFilter {
  catch(exception: GatehouseRefusal, host: ArgumentsHost): void {
    sendHttpRefusal(host.switchToHttp().getResponse<HttpResponse>(), httpRefusal(exception.failure));
  }
}
