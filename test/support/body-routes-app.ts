import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { BodyRoutesModule } from './body-routes.js';

// test/support/body-routes.ts as a process of its own (`node --import tsx
// test/support/body-routes-app.ts`), so that timing its answers is not mixed up with the
// test's own work of sending 1 MB. Prints "listening <port>".

const app = await NestFactory.create<NestFastifyApplication>(BodyRoutesModule, new FastifyAdapter(), { logger: false });
await app.listen(0, '127.0.0.1');
process.stdout.write(`listening ${(app.getHttpServer().address() as { port: number }).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
