// A host app of the library, as a user writes one: NestJS 12, GatehouseModule (from the
// build, dist/index.js, what the nestjs-gatehouse package ships) and nothing else of
// Gatehouse's (no metrics, health or security headers modules), on Express by default.
// The bench compares it with the bare NestJS reference on the same platform
// (bench/nest-reference.mjs, PLATFORM=express).
// Routes, each answering JSON:
//   GET /api/public   @Public(): SESSION, as the reference answers it
//   GET /api/session  guarded (the global guard): the request's session, @CurrentSession()
//   GET /api/notes    the same, with @RequireScopes('notes:read')
// Env: PORT, HOST, PLATFORM (express | fastify), SESSION (the JSON body of /api/public);
// the keys, in secure mode with HS256: SECRET and ISSUER (one issuer, the plain options),
// or ISSUERS, a JSON array of { issuer, key } (the `issuers` option, one entry each).
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CurrentSession, GatehouseModule, Public, RequireScopes } from '../dist/index.js';

const session = Object.freeze(JSON.parse(process.env.SESSION ?? '{}'));

function gatehouseOptions(env) {
  if (env.ISSUERS) {
    const issuers = JSON.parse(env.ISSUERS).map(({ issuer, key }) => ({ issuer, key, algorithms: 'HS256' }));
    return { mode: 'secure', issuers };
  }
  return { mode: 'secure', algorithms: 'HS256', key: env.SECRET, issuer: env.ISSUER };
}

// Plain JavaScript: decorators applied as functions, in the order TypeScript applies them
// (parameters first, then the method's decorators bottom-up).
class NotesController {
  publicRoute() {
    return session;
  }
  current(user) {
    return user;
  }
  notes(user) {
    return user;
  }
}
const method = (name, ...decorators) => {
  const descriptor = Object.getOwnPropertyDescriptor(NotesController.prototype, name);
  for (const decorate of decorators.reverse()) decorate(NotesController.prototype, name, descriptor);
};
Controller('api')(NotesController);
CurrentSession()(NotesController.prototype, 'current', 0);
CurrentSession()(NotesController.prototype, 'notes', 0);
method('publicRoute', Public(), Get('public'));
method('current', Get('session'));
method('notes', RequireScopes('notes:read'), Get('notes'));

class HostModule {}
Module({ imports: [GatehouseModule.forRoot(gatehouseOptions(process.env))], controllers: [NotesController] })(HostModule);

async function adapter(platform) {
  if (platform === 'fastify') return new (await import('@nestjs/platform-fastify')).FastifyAdapter();
  if (platform === 'express') return new (await import('@nestjs/platform-express')).ExpressAdapter();
  throw new Error(`PLATFORM must be express or fastify, got ${platform}`);
}

const app = await NestFactory.create(HostModule, await adapter(process.env.PLATFORM ?? 'express'), { logger: ['error', 'warn'] });
await app.listen(Number(process.env.PORT ?? 3300), process.env.HOST ?? '127.0.0.1');
// Exit 0 on SIGTERM, so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
