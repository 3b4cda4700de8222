import { Controller, Get, Param, Post, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AuthGuard } from '@nestjs/passport';
import {
  Authorize,
  AuthorizationGuard,
  GatehouseGuard,
  GatehouseModule,
  Public,
  RequireRoles,
  RequireScopes,
  type Session,
} from '../src/index.js';
import type { GatehouseOptions } from '../src/index.js';
import { expect401 } from './support/expect-401.js';
import { PLATFORMS, startHostApp, type HostApp, type Platform } from './support/host-app.js';
import { unsignedToken } from './support/tokens.js';

// Authorization on REST routes (docs/protocol.md §15), in a host app as users write it.

@RequireScopes('notes:read')
@Controller('notes')
class NotesController {
  @Get()
  list() {
    return { notes: [] };
  }

  @RequireScopes('notes:write')
  @Post()
  create() {
    return { created: true };
  }

  @RequireRoles('admin', 'editor')
  @Post('publish')
  publish() {
    return { published: true };
  }

  @Authorize((session: Session, req: { params: { owner: string } }) => req.params.owner === session.sub)
  @Get('by/:owner')
  byOwner(@Param('owner') owner: string) {
    return { owner };
  }

  @Authorize(() => {
    throw new Error('policy store down');
  })
  @Get('broken')
  broken() {
    return {};
  }

  @Authorize(async (session: Session) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return session.sub === 'alice';
  })
  @Get('async')
  asyncPolicy() {
    return { ok: true };
  }
}

/** The same routes where the app guards them itself (globalGuard: false). */
@UseGuards(GatehouseGuard)
@Controller('notes')
class GuardedNotesController extends NotesController {}

/** ... or with passport's guard, and AuthorizationGuard for the requirements. */
@UseGuards(AuthGuard('gatehouse'), AuthorizationGuard)
@Controller('notes')
class PassportNotesController extends NotesController {}

const token = (claims: object) => unsignedToken({ sub: 'alice', ...claims });

async function start(platform: Platform, options: GatehouseOptions, controller: Function): Promise<HostApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [GatehouseModule.forRoot(options)],
    controllers: [controller as never],
  }).compile();
  return startHostApp(moduleRef, platform);
}

const SETUPS = [
  ['global guard', { mode: 'insecure', failureLimit: false }, NotesController],
  ['globalGuard: false, @UseGuards(GatehouseGuard)', { mode: 'insecure', failureLimit: false, globalGuard: false }, GuardedNotesController],
  [
    "globalGuard: false, @UseGuards(AuthGuard('gatehouse'), AuthorizationGuard)",
    { mode: 'insecure', failureLimit: false, globalGuard: false },
    PassportNotesController,
  ],
] as const;

describe.each(PLATFORMS.flatMap((platform) => SETUPS.map(([name, options, controller]) => [platform, name, options, controller] as const)))(
  'REST authorization on %s, %s',
  (platform, _name, options, controller) => {
    let host: HostApp;
    let url: string;
    beforeAll(async () => {
      host = await start(platform, options as GatehouseOptions, controller);
      url = host.url;
    });
    afterAll(() => host.app.close());

    const get = (path: string, bearer?: string) => {
      const req = request(url).get(path);
      return bearer === undefined ? req : req.set('Authorization', `Bearer ${bearer}`);
    };
    const post = (path: string, bearer: string) => request(url).post(path).set('Authorization', `Bearer ${bearer}`).send({ title: 'x' });

    it('a request without a valid token gets 401, never 403', async () => {
      await expect401(url, undefined, 'token_missing', 'Missing bearer token', '/notes');
      await expect401(url, 'garbage', 'token_malformed', 'Invalid token', '/notes');
    });

    it('@RequireScopes on the class: 200 with the scope, 403 insufficient_scope naming it without', async () => {
      expect((await get('/notes', token({ scope: 'notes:read' }))).status).toBe(200);
      const refused = await get('/notes', token({ scope: 'profile' }));
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        reason: 'insufficient_scope',
        message: 'Token lacks the required scope',
      });
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="gatehouse", error="insufficient_scope", scope="notes:read"');
    });

    it('class plus method: both must pass, and the challenge names every scope the route requires', async () => {
      expect((await post('/notes', token({ scope: 'notes:read notes:write' }))).status).toBe(201);
      const refused = await post('/notes', token({ scp: ['notes:write'] }));
      expect(refused.status).toBe(403);
      expect(refused.headers['www-authenticate']).toBe(
        'Bearer realm="gatehouse", error="insufficient_scope", scope="notes:read notes:write"',
      );
    });

    it('@RequireRoles: any one of the roles; else 403 forbidden without a challenge', async () => {
      expect((await post('/notes/publish', token({ scope: 'notes:read', roles: ['editor'] }))).status).toBe(201);
      const refused = await post('/notes/publish', token({ scope: 'notes:read', roles: ['viewer'] }));
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', reason: 'forbidden', message: 'Not allowed' });
      expect(refused.headers['www-authenticate']).toBeUndefined();
    });

    it('claims of the wrong type grant nothing, and are not an error', async () => {
      for (const claims of [{ scope: 42 }, { scope: ['notes:read'] }, { scp: { 'notes:read': true } }]) {
        expect((await get('/notes', token(claims))).status).toBe(403);
      }
      expect((await post('/notes/publish', token({ scope: 'notes:read', roles: { admin: true } }))).status).toBe(403);
    });

    it('@Authorize receives the session and the request', async () => {
      expect((await get('/notes/by/alice', token({ scope: 'notes:read' }))).status).toBe(200);
      expect((await get('/notes/by/bob', token({ scope: 'notes:read' }))).status).toBe(403);
    });

    it('an async policy is awaited', async () => {
      expect((await get('/notes/async', token({ scope: 'notes:read' }))).status).toBe(200);
      expect((await get('/notes/async', unsignedToken({ sub: 'bob', scope: 'notes:read' }))).status).toBe(403);
    });

    it('a policy that throws: 503 auth_unavailable, never 500', async () => {
      const res = await get('/notes/broken', token({ scope: 'notes:read' }));
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ reason: 'auth_unavailable' });
      expect(res.headers['retry-after']).toBe('1');
    });
  },
);

describe('globalGuard: false and a requirement no Gatehouse guard enforces', () => {
  it.each(PLATFORMS)('stops the app at startup on %s, naming the route and the fix', async (platform) => {
    const moduleRef = await Test.createTestingModule({
      imports: [GatehouseModule.forRoot({ mode: 'insecure', globalGuard: false })],
      controllers: [NotesController],
    }).compile();
    await expect(startHostApp(moduleRef, platform)).rejects.toThrow(
      /NotesController\.list: its @RequireScopes\/@RequireRoles\/@Authorize would not be enforced with globalGuard: false; add @UseGuards\(GatehouseGuard\)/,
    );
  });
});

describe('@Public() with a requirement', () => {
  it.each(PLATFORMS)('stops the app at startup on %s, naming the route', async (platform) => {
    @Public()
    @Controller('open')
    class OpenController {
      @RequireScopes('admin:write')
      @Post()
      write() {
        return {};
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [GatehouseModule.forRoot({ mode: 'insecure' })],
      controllers: [OpenController],
    }).compile();
    await expect(startHostApp(moduleRef, platform)).rejects.toThrow(
      /OpenController\.write: @Public\(\) cannot be combined with @RequireScopes, @RequireRoles, @Authorize or @AuthorizeChannel/,
    );
  });
});
