import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CurrentSession, type Session } from '../../index.js';
import { BEARER } from '../docs/api-docs.js';
import {
  RATE_LIMITED_SCHEMA,
  RETRY_AFTER_HEADER,
  SESSION_SCHEMA,
  UNAUTHORIZED_SCHEMA,
  WWW_AUTHENTICATE_HEADER,
} from '../docs/api-schemas.js';

/** GET /api/session: who the bearer token says the caller is (guarded by default). */
@ApiTags('session')
@ApiBearerAuth(BEARER)
@Controller('api/session')
export class SessionController {
  @Get()
  @ApiOperation({ summary: 'The session the bearer token yields' })
  @ApiOkResponse({ description: 'The token is valid', schema: SESSION_SCHEMA })
  @ApiUnauthorizedResponse({
    description: 'No token, or the token failed a check; `reason` says which',
    schema: UNAUTHORIZED_SCHEMA,
    headers: WWW_AUTHENTICATE_HEADER,
  })
  @ApiTooManyRequestsResponse({
    description: 'Too many failed authentications from this address (AUTH_FAIL_LIMIT)',
    schema: RATE_LIMITED_SCHEMA,
    headers: RETRY_AFTER_HEADER,
  })
  current(@CurrentSession() session: Session): Session {
    return session;
  }
}
