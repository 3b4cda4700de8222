import { startApp, type RunningApp } from './support/app.js';
import { ADMIN_KEY, admin, tokenOf } from './support/admin.js';
import { runServer, tempDir } from './support/server-process.js';
import { answerBeforeBody } from './support/raw-http.js';
import { now } from './support/tokens.js';

// The admin API's bad input (docs/protocol.md §11): one 401 for any credential but the
// key, given before the body is read; 400 saying what is wrong; 404 for an unknown id;
// off (not served at all) without ADMIN_API_KEY; a short key stops the server.

const UNAUTHORIZED = { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' };

describe('admin API: bad input', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', ADMIN_API_KEY: ADMIN_KEY, GATEHOUSE_DATA_DIR: tempDir() });
  });
  afterAll(() => server.app.close());

  it('any credential but the key: the same 401, whatever was wrong', async () => {
    const credentials = [null, '', 'wrong', ADMIN_KEY.slice(0, -1), `${ADMIN_KEY}x`, ADMIN_KEY.toUpperCase(), tokenOf('alice')];
    for (const key of credentials) {
      for (const [method, path, body] of [
        ['POST', '/admin/revocations', { sub: 'alice' }],
        ['GET', '/admin/revocations', undefined],
        ['DELETE', '/admin/revocations/sub_x', undefined],
      ] as const) {
        const res = await admin(server.url, method, path, body, key);
        expect(res.status, `${method} with ${JSON.stringify(key)}`).toBe(401);
        expect(res.body).toEqual(UNAUTHORIZED);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse"');
      }
    }
    // Nothing was revoked by any of them.
    expect((await admin(server.url, 'GET', '/admin/revocations')).body).toEqual({ entries: [] });
    // The key in another scheme is no credential either.
    const basic = await fetch(`${server.url}/admin/revocations`, { headers: { authorization: `Basic ${ADMIN_KEY}` } });
    expect(basic.status).toBe(401);
  });

  it('refuses a caller without the key before reading its body', async () => {
    // Headers announce a megabyte that never comes: the answer must not wait for it.
    const answer = await answerBeforeBody(
      server.port,
      'POST /admin/revocations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"sub":',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
  });

  it.each([
    ['not JSON', '{"sub":', /not valid JSON/],
    ['a JSON array', '[]', /the body must be a JSON object/],
    ['a JSON string', '"alice"', /the body must be a JSON object/],
    ['no body', undefined, /the body must be a JSON object/],
    ['an empty object', '{}', /give jti \(with exp\) to revoke one token, or sub \(with before\)/],
    ['both jti and sub', '{"jti":"a","exp":1,"sub":"b"}', /either jti \(with exp\) or sub \(with before\), not both/],
    ['jti without exp', '{"jti":"a"}', /exp is required with jti/],
    ['exp in milliseconds', `{"jti":"a","exp":${Date.now() + 60_000}}`, /exp must be in seconds since the epoch, not milliseconds/],
    ['exp as text', '{"jti":"a","exp":"tomorrow"}', /exp must be a number of seconds since the epoch/],
    ['before with jti', '{"jti":"a","exp":1,"before":1}', /before goes with sub/],
    ['exp with sub', '{"sub":"a","exp":1}', /exp goes with jti/],
    ['an empty sub', '{"sub":""}', /sub must be a non-empty string/],
    ['a sub that is not a string', '{"sub":42}', /sub must be a non-empty string/],
    ['a negative before', '{"sub":"a","before":-1}', /before must be a number of seconds since the epoch/],
    ['an unknown field', '{"sub":"a","reason":"spam"}', /unknown field "reason"/],
    ['an over-long jti', JSON.stringify({ jti: 'x'.repeat(1025), exp: 1 }), /at most 1024 characters/],
  ])('POST with %s: 400 saying what is wrong', async (_name, body, message) => {
    const res = await fetch(`${server.url}/admin/revocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
    });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { statusCode: number; message: string };
    expect(answer.statusCode).toBe(400);
    expect(answer.message).toMatch(message);
  });

  it('lists every problem of a body at once', async () => {
    const res = await admin(server.url, 'POST', '/admin/revocations', { jti: '', exp: 'soon', note: 1 });
    expect(res.body.problems).toEqual([
      'unknown field "note": give jti and exp, or sub and before',
      'jti must be a non-empty string of at most 1024 characters',
      'exp must be a number of seconds since the epoch',
    ]);
  });

  it('GET with a query it does not know, or a repeated one: 400', async () => {
    expect((await admin(server.url, 'GET', '/admin/revocations?user=alice')).body).toMatchObject({
      statusCode: 400,
      message: 'unknown query parameter "user": use sub or jti',
    });
    expect((await admin(server.url, 'GET', '/admin/revocations?sub=a&sub=b')).status).toBe(400);
    expect((await admin(server.url, 'GET', '/admin/revocations?sub=')).status).toBe(400);
  });

  it('DELETE of an id that is not held: 404', async () => {
    const res = await admin(server.url, 'DELETE', '/admin/revocations/sub_doesnotexist');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'No revocation with id "sub_doesnotexist"' });
  });

  it('an expired jti may still be posted (201); it is simply dropped soon', async () => {
    expect((await admin(server.url, 'POST', '/admin/revocations', { jti: 'old', exp: now() - 3600 })).status).toBe(201);
  });
});

describe('admin API off', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ AUTH_MODE: 'insecure', GATEHOUSE_DATA_DIR: tempDir() });
  });
  afterAll(() => server.app.close());

  it('without ADMIN_API_KEY the routes do not exist: a guarded 401 without a valid token, 404 with one', async () => {
    const res = await admin(server.url, 'POST', '/admin/revocations', { sub: 'alice' });
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('token_malformed');
    expect((await admin(server.url, 'GET', '/admin/revocations', undefined, tokenOf('alice'))).status).toBe(404);
  });
});

describe('ADMIN_API_KEY at startup', { timeout: 30_000 }, () => {
  it('shorter than 32 characters: one line naming it, exit 1, the key never printed', async () => {
    const key = 'short-but-secret-key-31-chars-x';
    expect(key).toHaveLength(31);
    const run = await runServer({ AUTH_MODE: 'insecure', ADMIN_API_KEY: key });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('ADMIN_API_KEY has to be at least 32 characters long\n');
    expect(run.stdout + run.stderr).not.toContain(key);
  });
});
