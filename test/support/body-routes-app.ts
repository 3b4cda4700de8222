import { NestFactory } from '@nestjs/core';
import { BodyRoutesModule } from './body-routes.js';
import { adapterFor, PLATFORMS, sameBodyLimit, type Platform } from './host-app.js';

// test/support/body-routes.ts as a process of its own (`node --import tsx
// test/support/body-routes-app.ts <express|fastify>`), so that timing its answers is not
// mixed up with the test's own work of sending 1 MB. Prints "listening <port>".

const platform = (process.argv[2] ?? 'fastify') as Platform;
if (!PLATFORMS.includes(platform)) throw new Error(`platform must be one of ${PLATFORMS.join(', ')}`);
const app = await NestFactory.create(BodyRoutesModule, adapterFor(platform), { logger: false });
sameBodyLimit(app, platform);
await app.listen(0, '127.0.0.1');
process.stdout.write(`listening ${(app.getHttpServer().address() as { port: number }).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
