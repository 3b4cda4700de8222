import { NestFactory } from '@nestjs/core';
import { adapterFor, type Platform } from './host-app.js';
import { InheritedRoutesModule } from './inherited-routes.js';

// One fresh process per run: `node --import tsx test/support/inherited-routes-app.ts
// <express|fastify> <METHOD /path>...` asks the paths in the order given, without a
// token, and prints one JSON line: the statuses, in that order.

const [platform, ...requests] = process.argv.slice(2);
const app = await NestFactory.create(InheritedRoutesModule, adapterFor(platform as Platform), { logger: false });
await app.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
const statuses: number[] = [];
for (const entry of requests) {
  const [method, path] = entry.split(' ');
  const body = method === 'POST' ? JSON.stringify({ text: 'hi' }) : undefined;
  const res = await fetch(url + path, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
  statuses.push(res.status);
}
process.stdout.write(`${JSON.stringify(statuses)}\n`);
await app.close();
