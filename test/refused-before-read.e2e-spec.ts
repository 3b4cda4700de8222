import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { Test } from '@nestjs/testing';
import { BodyRoutesModule } from './support/body-routes.js';
import { PLATFORMS, startHostApp, type HostApp } from './support/host-app.js';
import { median } from './support/process-stats.js';
import { unsignedToken } from './support/tokens.js';

// Refused before read (docs/protocol.md §10): a guarded route refuses a request without a
// valid token before reading or parsing its body. Before, a guarded POST with a 1 MB JSON
// body and no token took 22-67 ms to reach its 401 (2 ms without a body): the body was
// parsed first. The app (test/support/body-routes-app.ts: a guarded POST /notes, public
// POST /notes/feedback and /contact) runs as a process of its own, driven over real sockets.

const APP = resolve(import.meta.dirname, 'support/body-routes-app.ts');

const MEGABYTE_JSON = JSON.stringify({ text: 'x'.repeat(1_000_000) });
const VALID = `Bearer ${unsignedToken({ sub: 'alice' })}`;

interface Answer {
  readonly status: number;
  readonly body: any;
  /** ms from the first byte sent to the answer's head. */
  readonly ms: number;
}

describe.each(PLATFORMS)('refused before read (%s): guarded routes do not read bodies of unauthenticated requests', (platform) => {
  let app: ChildProcess;
  let port: number;

  beforeAll(async () => {
    app = spawn(process.execPath, ['--import', 'tsx', APP, platform], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(app.stdout!, 'data')) as [Buffer];
    port = Number(/listening (\d+)/.exec(line.toString())?.[1]);
  });
  afterAll(async () => {
    app.kill('SIGKILL');
    if (app.exitCode === null) await once(app, 'exit');
  });

  /**
   * A POST sent at once (body undefined: none); resolves when the whole answer has come.
   * The refusal closes the connection while the body is still being written, so the
   * client's write can fail (EPIPE, ECONNRESET) before Node's client has parsed the answer
   * that came first; that attempt is sent again (a client's transport race, not an answer).
   */
  async function post(path: string, body: string | undefined, authorization?: string): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await postOnce(path, body, authorization);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt === 3 || (code !== 'EPIPE' && code !== 'ECONNRESET')) throw error;
      }
    }
  }

  function postOnce(path: string, body: string | undefined, authorization?: string): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
        answered = true;
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        read(res).then((text) => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), ms }), reject);
      });
      // A refusal closes the connection without reading the body (Connection: close):
      // the rest of the body then fails to send, after the answer came.
      req.on('error', (error) => (answered ? undefined : reject(error)));
      req.end(body);
    });
  }

  it('a 1 MB JSON body without a token is answered 401 about as fast as no body (same run)', async () => {
    for (let i = 0; i < 5; i++) await post('/notes', MEGABYTE_JSON); // warm up
    const times = { empty: [] as number[], large: [] as number[], invalid: [] as number[] };
    for (let i = 0; i < 15; i++) {
      const empty = await post('/notes', undefined);
      const large = await post('/notes', MEGABYTE_JSON);
      const invalid = await post('/notes', MEGABYTE_JSON, 'Bearer not.a.token');
      expect([empty.status, large.status, invalid.status]).toEqual([401, 401, 401]);
      expect(large.body.reason).toBe('token_missing');
      expect(invalid.body.reason).toBe('token_malformed');
      times.empty.push(empty.ms);
      times.large.push(large.ms);
      times.invalid.push(invalid.ms);
    }
    const [empty, large, invalid] = [times.empty, times.large, times.invalid].map((list) => median(list.sort((a, b) => a - b)));
    console.log(
      `401 medians: no body ${empty.toFixed(2)} ms, 1 MB body ${large.toFixed(2)} ms, 1 MB body + invalid token ${invalid.toFixed(2)} ms`,
    );
    expect(large).toBeLessThan(5 * Math.max(empty, 1));
    expect(invalid).toBeLessThan(5 * Math.max(empty, 1));
  });

  it('the 401 arrives while the body is still being sent (streamed over 2 s)', async () => {
    for (const authorization of [undefined, 'Bearer not.a.token']) {
      const { status, chunksSent, total } = await streamSlowly('/notes', authorization);
      expect(status).toBe(401);
      expect(chunksSent, 'chunks sent before the answer').toBeLessThan(total / 2);
    }
  });

  it('a path no route matches: 401 before the body ends (unknown paths answer 401 too); 404 with a valid token', async () => {
    for (const path of ['/no/such/route', '/notes/feedback/extra']) {
      const { status, chunksSent, total } = await streamSlowly(path);
      expect(status, path).toBe(401);
      expect(chunksSent, `${path}: chunks sent before the answer`).toBeLessThan(total / 2);
      expect((await post(path, MEGABYTE_JSON, VALID)).status, path).toBe(404);
    }
  });

  it('a body that is not JSON is never parsed: 401 (not 400) without a token, 400 with one', async () => {
    const headers = { 'content-type': 'application/json' };
    const refused = await fetch(`http://127.0.0.1:${port}/notes`, { method: 'POST', headers, body: '{not json' });
    expect(refused.status).toBe(401);
    const parsed = await fetch(`http://127.0.0.1:${port}/notes`, {
      method: 'POST',
      headers: { ...headers, authorization: VALID },
      body: '{not json',
    });
    expect(parsed.status).toBe(400);
  });

  it('an authenticated POST with a 1 MB body reaches its handler with the body', async () => {
    const answer = await post('/notes', MEGABYTE_JSON, VALID);
    expect(answer).toMatchObject({ status: 201, body: { owner: 'alice', length: 1_000_000 } });
  });

  it('public routes (@Public() on the method or the controller) receive their bodies from anyone', async () => {
    expect(await post('/notes/feedback', MEGABYTE_JSON)).toMatchObject({ status: 201, body: { length: 1_000_000 } });
    expect(await post('/contact', MEGABYTE_JSON, 'Bearer not.a.token')).toMatchObject({ status: 201, body: { length: 1_000_000 } });
  });

  /** A guarded POST whose 1 MB body is sent in 20 chunks 100 ms apart; how many were sent when the answer came. */
  function streamSlowly(path: string, authorization?: string): Promise<{ status: number; chunksSent: number; total: number }> {
    const total = 20;
    const chunk = MEGABYTE_JSON.length / total;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(MEGABYTE_JSON.length) };
    if (authorization) headers.authorization = authorization;
    return new Promise((resolve, reject) => {
      let chunksSent = 0;
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
        clearInterval(timer);
        resolve({ status: res.statusCode ?? 0, chunksSent, total });
        res.resume();
        req.destroy();
      });
      req.on('error', (error) => (chunksSent < total ? undefined : reject(error)));
      const send = () => {
        if (chunksSent === total) return clearInterval(timer);
        req.write(MEGABYTE_JSON.slice(chunksSent * chunk, (chunksSent + 1) * chunk));
        chunksSent += 1;
      };
      const timer = setInterval(send, 100);
      send();
    });
  }
});

function read(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });
}

// Apps built with Test.createTestingModule get their HTTP adapter only after the module is
// compiled; the gate must still see every route (it is installed when Nest registers them).
describe.each(PLATFORMS)('refused before read, in an app built with Test.createTestingModule (%s)', (platform) => {
  let host: HostApp;
  let url: string;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [BodyRoutesModule] }).compile();
    host = await startHostApp(moduleRef, platform);
    url = host.url;
  });
  afterAll(() => host.app.close());

  it('refuses a body that is not JSON with 401 (never parsed), and a public route takes it', async () => {
    const headers = { 'content-type': 'application/json' };
    expect((await fetch(`${url}/notes`, { method: 'POST', headers, body: '{not json' })).status).toBe(401);
    expect((await fetch(`${url}/notes`, { method: 'POST', headers: { ...headers, authorization: VALID }, body: '{not json' })).status).toBe(
      400,
    );
    const taken = await fetch(`${url}/contact`, { method: 'POST', headers, body: MEGABYTE_JSON });
    expect(taken.status).toBe(201);
    expect(await taken.json()).toEqual({ length: 1_000_000 });
  });
});
