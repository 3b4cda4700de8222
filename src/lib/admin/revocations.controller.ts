import { Body, Controller, Delete, Get, HttpCode, HttpException, HttpStatus, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Public } from '../auth/public.decorator.js';
import { InvalidRevocation, Revocations, type RevocationRequest } from '../revocation/revocations.service.js';
import { RevocationsFull, StoreUnavailable } from '../revocation/revocation-store.js';
import type { Revocation } from '../revocation/revocation.js';
import { AdminGate } from './admin-gate.js';
import { AdminRoute } from './express-admin-gate.js';

/**
 * The admin API of docs/protocol.md §11, under the admin key (AdminGate checks it
 * before anything is read); @Public() for the bearer-token guard, whose tokens mean
 * nothing here.
 */
@Public()
@UseGuards(AdminGate)
@Controller('admin/revocations')
export class RevocationsController {
  constructor(@Inject(Revocations) private readonly revocations: Revocations) {}

  /** `{"jti", "exp"}` or `{"sub", "before"?}`: 201 with the stored entry. */
  @Post()
  @AdminRoute()
  async revoke(@Body() body: unknown): Promise<Revocation> {
    try {
      // Checked by revoke(), which words every problem.
      return await this.revocations.revoke((body ?? null) as RevocationRequest);
    } catch (error) {
      throw answerFor(error);
    }
  }

  /** `?sub=` or `?jti=`: that entry; neither: every entry. */
  @Get()
  @AdminRoute()
  list(@Query() query: Record<string, unknown>): { entries: Revocation[] } {
    const problems = Object.entries(query).flatMap(([name, value]) => {
      if (name !== 'sub' && name !== 'jti') return [`unknown query parameter "${name.slice(0, 100)}": use sub or jti`];
      return typeof value === 'string' && value !== '' ? [] : [`${name} must be given once, not empty`];
    });
    if (problems.length > 0) throw badRequest(problems);
    return { entries: this.revocations.find(query as { sub?: string; jti?: string }) };
  }

  /** Lifts one entry: 204, or 404 for an id that is not held. */
  @Delete(':id')
  @AdminRoute()
  @HttpCode(HttpStatus.NO_CONTENT)
  async lift(@Param('id') id: string): Promise<void> {
    let lifted: boolean;
    try {
      lifted = await this.revocations.lift(id);
    } catch (error) {
      throw answerFor(error);
    }
    if (!lifted) {
      throw new HttpException(
        { statusCode: 404, error: 'Not Found', message: `No revocation with id ${JSON.stringify(id.slice(0, 100))}` },
        HttpStatus.NOT_FOUND,
      );
    }
  }
}

function badRequest(problems: readonly string[]): HttpException {
  return new HttpException({ statusCode: 400, error: 'Bad Request', message: problems.join('; '), problems }, HttpStatus.BAD_REQUEST);
}

/** 400 for a request that cannot be stored as it is; 503 when it cannot be stored now; 507 when as many are held as allowed. */
function answerFor(error: unknown): unknown {
  if (error instanceof InvalidRevocation) return badRequest(error.problems);
  if (error instanceof RevocationsFull) {
    return new HttpException({ statusCode: 507, error: 'Insufficient Storage', message: error.message }, HttpStatus.INSUFFICIENT_STORAGE);
  }
  if (error instanceof StoreUnavailable) {
    return new HttpException(
      { statusCode: 503, error: 'Service Unavailable', message: `Nothing was changed: ${error.message}; try again later` },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  }
  return error;
}
