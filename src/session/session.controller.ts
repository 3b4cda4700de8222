import { Controller, Get } from '@nestjs/common';
import { CurrentSession } from '../auth/current-session.decorator.js';
import type { Session } from '../auth/session.js';

/** GET /api/session: who the bearer token says the caller is (guarded by default). */
@Controller('api/session')
export class SessionController {
  @Get()
  current(@CurrentSession() session: Session): Session {
    return session;
  }
}
