// The bare NestJS reference: NestJS + the Fastify adapter (the versions Gatehouse runs
// on), one public route, GET /api/session, answering the same JSON as Gatehouse's, with
// the same response headers as Gatehouse's (the library's precomputed helmet headers),
// set from one frozen object in one onRequest hook. No auth, no metrics, no logs: what a
// Nest app costs before Gatehouse adds anything.
// PLATFORM=express: the same app on @nestjs/platform-express, the reference for the
// library host app on Express (bench/host-app.mjs), which adds no headers of its own, so
// neither does this one: both answer with Express's.
// Env: PORT, HOST, SESSION (the JSON body of /api/session); PRELOAD: comma-separated
// modules to import first and leave unused (the idle-memory bench loads Gatehouse's
// code this way, to tell the memory its code takes from the memory its app holds);
// GUARDED=1: the framework's part of a guarded route without any authentication: a
// global guard (APP_GUARD) that puts the session on request.user, and the route reading
// it with a createParamDecorator() parameter, as Gatehouse's guard and @CurrentSession do.
import 'reflect-metadata';
import { Controller, Get, Module, createParamDecorator } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';

for (const specifier of (process.env.PRELOAD ?? '').split(',').filter(Boolean)) await import(specifier);

const session = Object.freeze(JSON.parse(process.env.SESSION ?? '{}'));

const guarded = process.env.GUARDED === '1';

// Plain JavaScript: decorators applied as functions.
class SessionController {
  current(user) {
    return guarded ? user : session;
  }
}
Controller('api/session')(SessionController);
Get()(SessionController.prototype, 'current', Object.getOwnPropertyDescriptor(SessionController.prototype, 'current'));
const User = createParamDecorator((_data, context) => context.getArgByIndex(0).user);
if (guarded) User()(SessionController.prototype, 'current', 0);

class SetUser {
  canActivate(context) {
    context.getArgByIndex(0).user = session;
    return true;
  }
}

class ReferenceModule {}
const providers = guarded ? [{ provide: APP_GUARD, useClass: SetUser }] : [];
Module({ controllers: [SessionController], providers })(ReferenceModule);

const express = process.env.PLATFORM === 'express';
// Imported here, so that each platform's process loads only its own adapter (the idle-memory bench reads Fastify's).
const adapter = express
  ? new (await import('@nestjs/platform-express')).ExpressAdapter()
  : new (await import('@nestjs/platform-fastify')).FastifyAdapter();
const app = await NestFactory.create(ReferenceModule, adapter, {
  logger: ['error', 'warn'],
});
if (!express) {
  const { securityHeaders } = await import('../dist/lib/http/helmet-options.js');
  const headers = securityHeaders();
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
}
await app.listen(Number(process.env.PORT ?? 3200), process.env.HOST ?? '127.0.0.1');
// Exit 0 on SIGTERM (as Gatehouse does), so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
