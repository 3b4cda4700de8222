import { Controller, Get, Injectable, Module, SetMetadata, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CurrentSession, GatehouseGuard, GatehouseModule, Public, type Session } from '../src/index.js';
import { Authenticator } from '../src/lib/auth/authenticator.js';
import { expect401 } from './support/expect-401.js';
import { PLATFORMS, startHostApp, type HostApp } from './support/host-app.js';
import { unsignedToken } from './support/tokens.js';

// docs/protocol.md §14: host guards see the session, GatehouseGuard always guards,
// AuthGuard('gatehouse') answers as the global guard does; on Express and Fastify.

const bearer = (claims: Record<string, unknown>) => `Bearer ${unsignedToken({ sub: 'alice', ...claims })}`;

const Roles = (...roles: string[]) => SetMetadata('roles', roles);

/** A host's own roles guard, the way Nest's docs write one: it reads request.user. */
@Injectable()
class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.get<string[] | undefined>('roles', context.getHandler());
    if (roles === undefined) return true;
    const user = context.switchToHttp().getRequest<{ user?: Session }>().user;
    const held = (user?.claims as { roles?: string[] } | undefined)?.roles ?? [];
    return roles.some((role) => held.includes(role));
  }
}

@Controller('admin')
class AdminController {
  @Roles('admin')
  @Get()
  dashboard(@CurrentSession() session: Session) {
    return { admin: session.sub };
  }

  @Public()
  @Get('open')
  open() {
    return { open: true };
  }
}

// The host's providers first, as a host module lists them: its APP_GUARD is found before Gatehouse's.
@Module({
  providers: [{ provide: APP_GUARD, useClass: RolesGuard }],
  imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false })],
  controllers: [AdminController],
})
class RolesAppModule {}

@Controller('own')
class OwnGuardsController {
  @UseGuards(GatehouseGuard)
  @Get('gatehouse-guard')
  guarded(@CurrentSession() session: Session) {
    return { sub: session.sub };
  }

  @UseGuards(AuthGuard('gatehouse'))
  @Get('passport')
  passport(@CurrentSession() session: Session) {
    return { sub: session.sub };
  }

  @Get('unguarded')
  unguarded() {
    return { anyone: true };
  }
}

describe.each(PLATFORMS)('guards in a host app (%s)', (platform) => {
  describe("a host's RolesGuard as APP_GUARD", () => {
    let host: HostApp;
    beforeAll(async () => {
      host = await startHostApp(await Test.createTestingModule({ imports: [RolesAppModule] }).compile(), platform);
    });
    afterAll(() => host.app.close());

    it('sees request.user: a valid admin 200, a valid non-admin 403', async () => {
      const admin = await request(host.url)
        .get('/admin')
        .set('Authorization', bearer({ roles: ['admin'] }));
      expect(admin.status).toBe(200);
      expect(admin.body).toEqual({ admin: 'alice' });
      expect(
        (
          await request(host.url)
            .get('/admin')
            .set('Authorization', bearer({ roles: ['reader'] }))
        ).status,
      ).toBe(403);
    });

    it("no token or a bad one: Gatehouse's 401, never the host guard's 403", async () => {
      await expect401(host.url, undefined, 'token_missing', 'Missing bearer token', '/admin');
      await expect401(host.url, 'bad', 'token_malformed', 'Invalid token', '/admin');
    });

    it('a public route still answers without a token', async () => {
      expect((await request(host.url).get('/admin/open')).status).toBe(200);
    });
  });

  describe('globalGuard: false', () => {
    let host: HostApp;
    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false, globalGuard: false })],
        controllers: [OwnGuardsController],
      }).compile();
      host = await startHostApp(moduleRef, platform);
    });
    afterAll(() => host.app.close());

    it('@UseGuards(GatehouseGuard) still refuses without a valid token, and admits with one', async () => {
      await expect401(host.url, undefined, 'token_missing', 'Missing bearer token', '/own/gatehouse-guard');
      await expect401(host.url, 'bad', 'token_malformed', 'Invalid token', '/own/gatehouse-guard');
      const res = await request(host.url).get('/own/gatehouse-guard').set('Authorization', bearer({}));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'alice' });
    });

    it("@UseGuards(AuthGuard('gatehouse')) answers as the global guard does", async () => {
      await expect401(host.url, undefined, 'token_missing', 'Missing bearer token', '/own/passport');
      await expect401(host.url, 'bad', 'token_malformed', 'Invalid token', '/own/passport');
      const res = await request(host.url).get('/own/passport').set('Authorization', bearer({}));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'alice' });
    });

    it('a route without a guard takes anyone', async () => {
      expect((await request(host.url).get('/own/unguarded')).status).toBe(200);
    });
  });

  describe("AuthGuard('gatehouse') under the global guard", () => {
    let host: HostApp;
    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false })],
        controllers: [OwnGuardsController],
      }).compile();
      host = await startHostApp(moduleRef, platform);
    });
    afterAll(() => host.app.close());

    it('answers 401 without a token and admits a valid one', async () => {
      await expect401(host.url, undefined, 'token_missing', 'Missing bearer token', '/own/passport');
      const res = await request(host.url).get('/own/passport').set('Authorization', bearer({}));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'alice' });
      // Guarded by default now: the route without a guard of its own needs a token too.
      expect((await request(host.url).get('/own/unguarded')).status).toBe(401);
    });
  });
});

describe('an app without HTTP (a standalone application context)', () => {
  it('starts, and authenticates', async () => {
    @Module({ imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false })] })
    class WorkerModule {}
    const context = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    try {
      const outcome = await context.get(Authenticator).authenticate('http', unsignedToken({ sub: 'worker' }), '127.0.0.1');
      expect(outcome).toMatchObject({ sub: 'worker' });
    } finally {
      await context.close();
    }
  });
});
