import { Body, Controller, Module, Post } from '@nestjs/common';
import { CurrentSession, GatehouseHttpModule, GatehouseModule, Public, type Session } from '../../src/index.js';

// Routes that take bodies, guarded and public, for test/refused-before-read.e2e-spec.ts:
// POST /notes (guarded), POST /notes/feedback (@Public() method), POST /contact (@Public() controller).

@Controller('notes')
class NotesController {
  @Post()
  create(@CurrentSession() session: Session, @Body() body: { text?: string }) {
    return { owner: session.sub, length: body.text?.length ?? 0 };
  }

  @Public()
  @Post('feedback')
  feedback(@Body() body: { text?: string }) {
    return { length: body.text?.length ?? 0 };
  }
}

@Public()
@Controller('contact')
class ContactController {
  @Post()
  send(@Body() body: { text?: string }) {
    return { length: body.text?.length ?? 0 };
  }
}

@Module({
  imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false }), GatehouseHttpModule],
  controllers: [NotesController, ContactController],
})
export class BodyRoutesModule {}
