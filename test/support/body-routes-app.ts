import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { CurrentSession, GatehouseHttpModule, GatehouseModule, Public, type Session } from '../../src/index.js';

// An app with routes that take bodies, guarded and public, run as a process of its own
// (`node --import tsx test/support/body-routes-app.ts`) so that timing its answers is not
// mixed up with the test's own work of sending 1 MB. Prints "listening <port>".

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
class AppModule {}

const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
await app.listen(0, '127.0.0.1');
process.stdout.write(`listening ${(app.getHttpServer().address() as { port: number }).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
