import { connect as tcpConnect } from 'node:net';
import { WebSocket } from 'ws';
import { startServer, type Started } from './support/server-process.js';
import { now, unsignedToken } from './support/tokens.js';

// Contract section 10, the last item, against `node dist/main.js` writing JSON logs to
// stdout: token-like query parameters never reach a log, and no log value carries a raw
// line separator, so each record stays one line for every reader (JSON.parse per line,
// `splitlines()`, editors, log shippers that honour U+2028).

/** Every character some reader treats as the end of a line. */
const SEPARATORS = /\r\n|[\n\r\u0085\u2028\u2029]/;
const RAW_SEPARATOR = /[\r\u0085\u2028\u2029]/;

/** A GET written byte for byte, for header values no HTTP client library would send. */
function rawGet(port: number, head: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.end(head));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
  });
}

function upgrade(port: number, path: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once('open', () => ws.close());
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve();
    });
    ws.once('close', () => resolve());
    ws.once('error', () => resolve());
  });
}

describe('log hygiene (JSON logs on stdout)', () => {
  let server: Started;
  beforeAll(async () => {
    server = await startServer({
      AUTH_MODE: 'insecure',
      LOG_FORMAT: 'json',
      LOG_REQUESTS: 'true',
      LOG_LEVEL: 'trace',
      AUTH_FAIL_LIMIT: '0',
    });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  /** stdout and stderr once the server has had time to write what it logs. */
  async function logs(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return server.output();
  }

  const valid = unsignedToken({ sub: 'alice' });
  const get = (path: string, token = valid) =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    });

  it('redacts token, access_token, id_token, jwt and refresh_token in every URL it logs', async () => {
    const query =
      '?id_token=SECRET-ID&jwt=SECRET-JWT&x=keep&refresh_token=SECRET-REFRESH&Token=SECRET-TOKEN&ACCESS_TOKEN=SECRET-ACCESS' +
      '&%6Awt=SECRET-ENCODED&jwt=SECRET-AGAIN&jwt&id_token=&tokens=kept-too';
    expect(await get(`/api/session${query}`)).toBe(200);
    expect(await get(`/api/session${query}`, 'not-a-token')).toBe(401);
    expect(await get(`/nowhere${query}`)).toBe(404);
    await upgrade(server.port, `/ws${query}`, { authorization: 'Bearer not-a-token' });
    await upgrade(server.port, `/ws${query}`, { authorization: `Bearer ${valid}` });
    const text = await logs();
    expect(text).not.toMatch(/SECRET/);
    // What is not a token stays readable.
    expect(text).toContain('/api/session?id_token=[Redacted]&jwt=[Redacted]&x=keep&refresh_token=[Redacted]');
    expect(text).toContain('&tokens=kept-too');
  });

  it('escapes CR, LF, U+0085, U+2028 and U+2029 from claims and headers: every line is one JSON record', async () => {
    const evil = 'a\u2028b\r\nc\u0085d\u2029e';
    // Logged at debug when accepted (its sub) and at info when refused (the iat value in the message).
    expect(await get('/api/session', unsignedToken({ sub: `evil-sub-${evil}` }))).toBe(200);
    expect(await get('/api/session', unsignedToken({ sub: 'x', iat: `evil-iat-${evil}`, exp: now() + 60 }))).toBe(401);
    // A header value with the byte 0x85 reaches the access log as U+0085.
    const head = Buffer.from(
      'GET /api/session HTTP/1.1\r\nHost: x\r\nUser-Agent: evil-agent-\x85end\r\nConnection: close\r\n\r\n',
      'latin1',
    );
    expect(await rawGet(server.port, head)).toBe('HTTP/1.1 401 Unauthorized');

    const text = await logs();
    expect(text).not.toMatch(RAW_SEPARATOR);
    const records = text
      .split(SEPARATORS)
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, any>);
    // Each evil value is still in its record, in one piece, and read back from JSON it
    // holds no line break either (it would split the line of whoever prints it).
    const values = [
      records.find((r) => r.event === 'auth_accepted' && String(r.sub).startsWith('evil-sub-'))?.sub,
      records.find((r) => r.event === 'auth_rejected' && String(r.message).includes('evil-iat-'))?.message,
      records.find((r) => String(r.req?.userAgent).startsWith('evil-agent-'))?.req.userAgent,
    ];
    expect(values).toEqual([
      expect.stringMatching(/^evil-sub-a.*b.*c.*d.*e$/),
      expect.stringMatching(/evil-iat-a.*b.*c.*d.*e/),
      expect.stringMatching(/^evil-agent-.*end$/),
    ]);
    for (const value of values) expect(value).not.toMatch(SEPARATORS);
  });
});
