// The bare NestJS reference: NestJS + the Fastify adapter (the versions Gatehouse runs
// on), one public route, GET /api/session, answering the same JSON as Gatehouse's, with
// the same response headers as Gatehouse's (the library's precomputed helmet headers),
// set from one frozen object in one onRequest hook. No auth, no metrics, no logs: what a
// Nest app costs before Gatehouse adds anything.
// Env: PORT, HOST, SESSION (the JSON body of /api/session); PRELOAD: comma-separated
// modules to import first and leave unused (the idle-memory bench loads Gatehouse's
// code this way, to tell the memory its code takes from the memory its app holds);
// GUARD=1: a global guard (APP_GUARD) that lets everything through, to measure what
// Nest's guard machinery costs a request on its own.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { securityHeaders } from '../dist/lib/http/helmet-options.js';

for (const specifier of (process.env.PRELOAD ?? '').split(',').filter(Boolean)) await import(specifier);

const session = Object.freeze(JSON.parse(process.env.SESSION ?? '{}'));

// Plain JavaScript: decorators applied as functions.
class SessionController {
  current() {
    return session;
  }
}
Controller('api/session')(SessionController);
Get()(SessionController.prototype, 'current', Object.getOwnPropertyDescriptor(SessionController.prototype, 'current'));

class AllowAll {
  canActivate() {
    return true;
  }
}

class ReferenceModule {}
const providers = process.env.GUARD === '1' ? [{ provide: APP_GUARD, useClass: AllowAll }] : [];
Module({ controllers: [SessionController], providers })(ReferenceModule);

const app = await NestFactory.create(ReferenceModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
const headers = securityHeaders();
app
  .getHttpAdapter()
  .getInstance()
  .addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
await app.listen(Number(process.env.PORT ?? 3200), process.env.HOST ?? '127.0.0.1');
// Exit 0 on SIGTERM (as Gatehouse does), so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
