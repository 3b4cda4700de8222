import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CurrentSession, GatehouseAdminModule, GatehouseModule, type Session } from '../src/index.js';
import { FailureLimit } from '../src/lib/limits/failure-limit.js';
import { ADMIN_KEY, admin, tokenOf } from './support/admin.js';
import { PLATFORMS, startHostApp, type HostApp, type Platform } from './support/host-app.js';
import { tempDir } from './support/server-process.js';
import { answerBeforeBody } from './support/raw-http.js';
import { now } from './support/tokens.js';

// The admin API (docs/protocol.md §11) in a host app of its own, on each HTTP platform:
// GatehouseAdminModule next to GatehouseModule, as docs/clusters.md shows. What an
// operator's script sees must not depend on the platform: the key lets in, anything else
// is the same 401 and is counted by the failure limit (429 past it), a bad body is a 400
// saying what is wrong.

const UNAUTHORIZED = { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' };
const FAIL_LIMIT = 5;

@Controller('me')
class MeController {
  @Get()
  me(@CurrentSession() session: Session) {
    return { sub: session.sub };
  }
}

/** The status and reason of the host's own guarded route with this token. */
async function sessionStatus(url: string, token: string): Promise<{ status: number; reason?: string }> {
  const res = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, reason: body.reason };
}

describe.each(PLATFORMS)('admin API in a host app (%s)', (platform: Platform) => {
  async function hostApp(failLimit = FAIL_LIMIT): Promise<HostApp> {
    const moduleRef = await Test.createTestingModule({
      controllers: [MeController],
      imports: [
        GatehouseModule.forRoot({
          mode: 'insecure',
          revocation: { dataDir: tempDir() },
          failureLimit: { limit: failLimit, windowSeconds: 60 },
        }),
        GatehouseAdminModule.forRoot({ apiKey: ADMIN_KEY }),
      ],
    }).compile();
    return startHostApp(moduleRef, platform);
  }

  let host: HostApp;
  beforeEach(async () => {
    host = await hostApp();
  });
  afterEach(() => host.app.close());

  it('with the key: POST revokes (201), GET lists, DELETE lifts (204), and tokens follow', async () => {
    const token = tokenOf('alice');
    expect(await sessionStatus(host.url, token)).toEqual({ status: 200, reason: undefined });

    const posted = await admin(host.url, 'POST', '/admin/revocations', { sub: 'alice' });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ id: expect.any(String), sub: 'alice', before: expect.any(Number) });
    expect(Math.abs(posted.body.before - now())).toBeLessThanOrEqual(2);
    expect(await sessionStatus(host.url, token)).toEqual({ status: 401, reason: 'token_revoked' });

    const byJti = await admin(host.url, 'POST', '/admin/revocations', { jti: 'j-1', exp: now() + 600 });
    expect(byJti.status).toBe(201);
    expect(byJti.body).toMatchObject({ jti: 'j-1' });

    const listed = await admin(host.url, 'GET', '/admin/revocations?sub=alice');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ entries: [posted.body] });
    expect((await admin(host.url, 'GET', '/admin/revocations')).body.entries).toHaveLength(2);

    const lifted = await admin(host.url, 'DELETE', `/admin/revocations/${encodeURIComponent(posted.body.id)}`);
    expect(lifted.status).toBe(204);
    expect(lifted.body).toBeUndefined();
    expect(await sessionStatus(host.url, token)).toEqual({ status: 200, reason: undefined });
    expect((await admin(host.url, 'GET', '/admin/revocations?sub=alice')).body).toEqual({ entries: [] });
    expect((await admin(host.url, 'DELETE', `/admin/revocations/${encodeURIComponent(posted.body.id)}`)).status).toBe(404);
  });

  it('without the key, a wrong one or a user token: 401 on every route, nothing changed', async () => {
    // Twelve failures: a limit they stay under.
    await host.app.close();
    host = await hostApp(100);
    for (const key of [null, 'wrong', `${ADMIN_KEY}x`, tokenOf('alice')]) {
      for (const [method, path, body] of [
        ['POST', '/admin/revocations', { sub: 'alice' }],
        ['GET', '/admin/revocations', undefined],
        ['DELETE', '/admin/revocations/sub_x', undefined],
      ] as const) {
        const res = await admin(host.url, method, path, body, key);
        expect(res.status, `${method} ${path} with ${JSON.stringify(key)}`).toBe(401);
        expect(res.body).toEqual(UNAUTHORIZED);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
      }
    }
    expect((await admin(host.url, 'GET', '/admin/revocations')).body).toEqual({ entries: [] });
  });

  it('refuses a caller without the key before reading its body', async () => {
    // Headers announce a megabyte that never comes: the answer must not wait for it.
    const answer = await answerBeforeBody(
      host.port,
      'POST /admin/revocations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"sub":',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toMatch(/^connection: close$/im);
  });

  it.each([
    ['a JSON array', '[]', /the body must be a JSON object/],
    ['no body', undefined, /the body must be a JSON object/],
    ['an empty object', '{}', /give jti \(with exp\) to revoke one token, or sub \(with before\)/],
    ['jti without exp', '{"jti":"a"}', /exp is required with jti/],
    ['an unknown field', '{"sub":"a","reason":"spam"}', /unknown field "reason"/],
  ])('POST with %s: 400 saying what is wrong', async (_name, body, message) => {
    const res = await fetch(`${host.url}/admin/revocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await res.json()) as { statusCode: number; error: string; message: string };
    expect(answer).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(answer.message).toMatch(message);
    expect((await admin(host.url, 'GET', '/admin/revocations')).body).toEqual({ entries: [] });
  });

  it("POST with a body that is not JSON: 400 from the app's body parser, naming JSON", async () => {
    // Parsed before any route runs, by the platform (Express: "Unexpected end of JSON
    // input"; Fastify: "Body is not valid JSON ..."): the same status, each in its own words.
    const res = await fetch(`${host.url}/admin/revocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: '{"sub":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ statusCode: 400, message: expect.stringMatching(/JSON/) });
  });

  it('GET with an unknown query parameter: 400 naming it', async () => {
    const res = await admin(host.url, 'GET', '/admin/revocations?user=alice');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, message: 'unknown query parameter "user": use sub or jti' });
  });

  it('failed keys are counted: 429 with Retry-After past the limit; the right key still gets in', async () => {
    for (let i = 0; i < FAIL_LIMIT; i++) {
      expect((await admin(host.url, 'GET', '/admin/revocations', undefined, `wrong-${i}`)).status).toBe(401);
    }
    const limited = await admin(host.url, 'POST', '/admin/revocations', { sub: 'mallory' }, 'wrong-again');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ statusCode: 429, reason: 'rate_limited' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await admin(host.url, 'GET', '/admin/revocations', undefined, null)).status).toBe(429);
    // The key is always let in, as a valid token is.
    expect((await admin(host.url, 'POST', '/admin/revocations', { sub: 'mallory' })).status).toBe(201);
    // The same allowance as bad tokens: that address's bad bearer tokens are limited too.
    expect(await sessionStatus(host.url, 'not-a-token')).toMatchObject({ status: 429, reason: 'rate_limited' });
  });

  it('a failure limit whose store fails: a wrong key gets 503 auth_unavailable, the app stays up', async () => {
    // The limit's store (Redis, in a cluster) rejecting: the one defined answer, as for tokens.
    class FailingStore extends FailureLimit {
      readonly limit = FAIL_LIMIT;
      readonly windowMs = 60_000;
      readonly trackedAddresses = undefined;
      countFailure(): Promise<never> {
        return Promise.reject(new Error('failure store unreachable'));
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        GatehouseModule.forRoot({ mode: 'insecure', revocation: { dataDir: tempDir() } }),
        GatehouseAdminModule.forRoot({ apiKey: ADMIN_KEY }),
      ],
    })
      .overrideProvider(FailureLimit)
      .useValue(new FailingStore())
      .compile();
    const failing = await startHostApp(moduleRef, platform);
    try {
      for (let i = 0; i < 2; i++) {
        const refused = await admin(failing.url, 'GET', '/admin/revocations', undefined, 'wrong-key');
        expect(refused.status).toBe(503);
        expect(refused.body).toMatchObject({ statusCode: 503, reason: 'auth_unavailable' });
        expect(refused.headers.get('retry-after')).toBe('1');
      }
      expect((await admin(failing.url, 'GET', '/admin/revocations')).status).toBe(200);
    } finally {
      await failing.app.close();
    }
  });
});
