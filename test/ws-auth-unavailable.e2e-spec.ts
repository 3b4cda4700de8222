import { Controller, Get, Injectable, Module, type LoggerService } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { WebSocketGateway } from '@nestjs/websockets';
import { WebSocket } from 'ws';
import { GatehouseClient, type StateChange } from 'nestjs-gatehouse/client';
import {
  AuthFailure,
  CurrentSession,
  GatehouseIoAdapter,
  GatehouseModule,
  GatehouseWsAdapter,
  Revocations,
  type Session,
  type TokenVerifier,
  type VerifyResult,
} from '../src/index.js';
import { IO_TRANSPORTS, ioRefused } from './support/io-client.js';
import { tempDir } from './support/server-process.js';
import { connect, refusedUpgrade } from './support/ws-client.js';

// When a dependency of authentication fails (docs/protocol.md §14): a host app whose
// own verifier throws or rejects for some tokens, on both WebSocket adapters. Nobody is
// left waiting: REST and the upgrade answer 503, a socket is closed 1011, Socket.IO
// gets connect_error; none of it counts against the failure limit; one error line each.

/** `throw` throws, `reject` rejects, `bad` is refused, `unreadable` is a session whose claims cannot be read; anything else is its own sub. */
@Injectable()
class FlakyVerifier implements TokenVerifier {
  verify(token: string): VerifyResult | Promise<VerifyResult> {
    if (token === 'throw') throw new Error('identity service unreachable');
    if (token === 'reject') return Promise.reject(new Error('identity service timed out'));
    if (token === 'bad') return new AuthFailure('token_malformed', 'Unknown API key');
    if (token === 'unreadable') {
      const claims = Object.defineProperty({}, 'jti', {
        enumerable: true,
        get() {
          throw new Error('claims store unreachable');
        },
      });
      return { sub: 'ghost', expiresAt: null, claims, authMode: 'custom' };
    }
    return { sub: token, expiresAt: null, claims: {}, authMode: 'custom' };
  }
}

@Controller('notes')
class NotesController {
  @Get()
  list(@CurrentSession() session: Session) {
    return { for: session.sub };
  }
}

@WebSocketGateway()
class NotesGateway {}

/** Every line the app logs, by level. */
class Lines implements LoggerService {
  readonly lines: { level: string; message: unknown }[] = [];
  log = (message: unknown) => void this.lines.push({ level: 'log', message });
  error = (message: unknown) => void this.lines.push({ level: 'error', message });
  warn = (message: unknown) => void this.lines.push({ level: 'warn', message });
  debug = (message: unknown) => void this.lines.push({ level: 'debug', message });
  verbose = (message: unknown) => void this.lines.push({ level: 'verbose', message });
  unavailable() {
    return this.lines.filter((line) => (line.message as { event?: string })?.event === 'auth_unavailable');
  }
}

interface Host {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly port: number;
  readonly logs: Lines;
}

async function startHost(transport: 'ws' | 'io'): Promise<Host> {
  @Module({
    imports: [GatehouseModule.forRoot({ verifier: FlakyVerifier, failureLimit: { limit: 1 }, revocation: { dataDir: tempDir() } })],
    controllers: [NotesController],
    providers: [NotesGateway],
  })
  class HostModule {}
  const logs = new Lines();
  const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: logs });
  app.useWebSocketAdapter(transport === 'ws' ? new GatehouseWsAdapter(app) : new GatehouseIoAdapter(app));
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  // One revocation, so that every session is looked up among them.
  await app.get(Revocations).revoke({ sub: 'someone-else' });
  return { app, url: `http://127.0.0.1:${port}`, port, logs };
}

const UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  reason: 'auth_unavailable',
  message: 'Authentication is temporarily unavailable',
};

describe('a dependency that fails: auth_unavailable (raw WebSocket host)', () => {
  let host: Host;
  beforeAll(async () => {
    host = await startHost('ws');
  });
  afterAll(() => host.app.close());

  it.each(['throw', 'reject', 'unreadable'])(
    'REST, a verifier or revocation check that fails (%s): 503 with Retry-After: 1',
    async (token) => {
      const res = await fetch(`${host.url}/notes`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual(UNAVAILABLE);
    },
  );

  it.each(['throw', 'reject'])('the upgrade (%s): 503 with the same body', async (token) => {
    const refusal = await refusedUpgrade(host.port, { Authorization: `Bearer ${token}` });
    expect(refusal.status).toBe(503);
    expect(refusal.headers['retry-after']).toBe('1');
    expect(refusal.body).toEqual(UNAVAILABLE);
  });

  it.each(['throw', 'reject', 'unreadable'])('a first auth frame (%s): error, then close 1011 auth_unavailable', async (token) => {
    const client = await connect(host.port);
    client.auth(token);
    expect(await client.next()).toEqual({ event: 'error', data: { reason: 'auth_unavailable', message: UNAVAILABLE.message } });
    expect(await client.closed).toEqual({ code: 1011, reason: 'auth_unavailable' });
  });

  it('a refresh whose check fails: error, 1011; the session was not kept', async () => {
    const client = await connect(host.port, 'alice');
    expect(await client.next()).toMatchObject({ event: 'session', data: { sub: 'alice' } });
    client.auth('reject');
    expect(await client.next()).toMatchObject({ event: 'error', data: { reason: 'auth_unavailable' } });
    expect(await client.closed).toEqual({ code: 1011, reason: 'auth_unavailable' });
  });

  it('never counted against the failure limit (limit 1), and logged once each, at error level, with its cause', async () => {
    host.logs.lines.length = 0;
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${host.url}/notes`, { headers: { authorization: 'Bearer throw' } })).status).toBe(503);
    }
    const lines = host.logs.unavailable();
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.level === 'error')).toBe(true);
    expect(lines[0].message).toMatchObject({ dependency: 'verifier', cause: 'Error: identity service unreachable', transport: 'http' });
    // Had they counted, this first real failure would be 429 already.
    expect((await fetch(`${host.url}/notes`, { headers: { authorization: 'Bearer bad' } })).status).toBe(401);
    expect((await fetch(`${host.url}/notes`, { headers: { authorization: 'Bearer bad' } })).status).toBe(429);
  });

  it('the client reconnects with backoff on 1011, and gets in once the check works again', async () => {
    const tokens = ['throw', 'reject', 'erin'];
    const client = new GatehouseClient({
      url: `ws://127.0.0.1:${host.port}/ws`,
      WebSocket,
      getToken: () => tokens.shift() ?? 'erin',
      backoff: { baseMs: 50, capMs: 200, random: () => 0.999 },
    });
    const states: StateChange[] = [];
    client.on('state', (change) => void states.push(change));
    const fatal: unknown[] = [];
    client.on('error', (error) => void (error.fatal && fatal.push(error)));
    client.connect();
    await vi.waitFor(() => expect(client.state).toBe('authenticated'), { timeout: 5000 });
    const retries = states.filter((change) => change.state === 'reconnecting');
    expect(retries.map((change) => [change.close, change.delayMs])).toEqual([
      [{ code: 1011, reason: 'auth_unavailable' }, 49],
      [{ code: 1011, reason: 'auth_unavailable' }, 99],
    ]);
    expect(fatal).toEqual([]);
    client.close();
  });

  it('a valid token is served meanwhile', async () => {
    const res = await fetch(`${host.url}/notes`, { headers: { authorization: 'Bearer carol' } });
    expect(await res.json()).toEqual({ for: 'carol' });
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`, { headers: { Authorization: 'Bearer carol' } });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.close();
  });
});

describe('a dependency that fails: auth_unavailable (Socket.IO host)', () => {
  let host: Host;
  beforeAll(async () => {
    host = await startHost('io');
  });
  afterAll(() => host.app.close());

  describe.each(IO_TRANSPORTS)('over %s', (transport) => {
    it.each(['throw', 'reject', 'unreadable'])('the handshake (%s): connect_error auth_unavailable', async (token) => {
      const refusal = await ioRefused(host.url, { transport, token });
      expect(refusal).toEqual({ message: UNAVAILABLE.message, data: { reason: 'auth_unavailable', message: UNAVAILABLE.message } });
    });
  });
});
