import type { GatewayAuthorization } from '../authz/gateway-authorization.js';
import { Logger } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import type { HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import type { Authenticator, Outcome } from '../auth/authenticator.js';
import { AUTH_UNAVAILABLE, AuthFailure } from '../core/auth-failure.js';
import type { Session } from '../core/session.js';
import type { AuthEventsService } from '../observability/auth-events.service.js';
import { DEFAULTS } from '../options/resolve-options.js';
import type { GatehouseSettings, WsSettings } from '../options/settings.js';
import type { Revocations } from '../revocation/revocations.service.js';
import { Connection } from './connection.js';
import type { OnGatewayAuthenticated } from './gateways.js';
import { WsSessions } from './ws-sessions.service.js';
import { closeCodeOf } from './ws-protocol.js';

// The WebSocket protocol over one socket's life, with fakes for the Authenticator and
// the transport: what the client is sent and how its socket ends.

class FakeConnection extends Connection {
  readonly sent: { event: string; data: unknown }[] = [];
  ended: { code: number; reason: string } | undefined;
  readonly client = { id: 'client' };

  constructor() {
    super({});
  }

  sendEvent(event: string, data: unknown): void {
    this.sent.push({ event, data });
  }

  protected end(code: number, reason: string): void {
    this.ended = { code, reason };
  }
}

const session = (sub: string, expiresAt: number | null = null): Session => ({ sub, expiresAt, claims: { sub }, authMode: 'insecure' });

function setup(
  ws: Partial<WsSettings> = {},
  answer: (token: string | undefined, sub?: string) => Outcome | Promise<Outcome> = (t) => session(t ?? '?'),
) {
  const authenticator = {
    authenticate: (_transport: string, token: string | undefined, _address: string, sub?: string) => answer(token, sub),
  };
  const noop = () => undefined;
  const events = { socketOpened: noop, socketClosed: noop, sessionStarted: noop, refreshed: noop, expiryClosed: noop };
  const settings = {
    ws: { ...DEFAULTS.ws, ...ws },
    auth: { mode: 'insecure', clockTolerance: 0 },
    trustProxy: false,
  } as unknown as GatehouseSettings;
  const revocations = { onRevoked: () => noop } as unknown as Revocations;
  const modules = new Map() as unknown as ModulesContainer;
  const http = { httpAdapter: {} } as HttpAdapterHost;
  const sessions = new WsSessions(
    authenticator as unknown as Authenticator,
    events as unknown as AuthEventsService,
    settings,
    revocations,
    modules,
    http,
    // No gateway handler has requirements here (test/authorization-ws.e2e-spec.ts covers them).
    { requirementsFor: () => undefined } as unknown as GatewayAuthorization,
  );
  const open = (connection = new FakeConnection(), initial?: Session, address = '10.0.0.1') => {
    sessions.opened(connection, initial, address);
    return connection;
  };
  const send = (connection: Connection, event: string, data?: unknown) =>
    sessions.receive(connection, { event, data }, dispatched.push.bind(dispatched));
  const dispatched: { event: string }[] = [];
  return { sessions, open, send, dispatched, modules };
}

describe('WsSessions', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => vi.useRealTimers());

  it('a first auth frame: the session event, then frames reach the gateways', () => {
    const { open, send, dispatched } = setup();
    const connection = open();
    send(connection, 'note');
    expect(connection.ended).toEqual({ code: 4401, reason: 'auth_required' });
    const other = open();
    send(other, 'auth', { token: 'alice' });
    expect(other.sent).toEqual([{ event: 'session', data: session('alice') }]);
    send(other, 'note');
    expect(dispatched).toEqual([{ event: 'note', data: undefined }]);
  });

  it('whoami is answered with the session, never dispatched; before auth it is auth_required', () => {
    const { open, send, dispatched } = setup();
    const connection = open(undefined, session('alice'));
    send(connection, 'whoami');
    expect(connection.sent.map((frame) => frame.event)).toEqual(['session', 'session']);
    expect(dispatched).toEqual([]);
    const anonymous = open();
    send(anonymous, 'whoami');
    expect(anonymous.ended).toEqual({ code: 4401, reason: 'auth_required' });
  });

  it('auth_unavailable from the Authenticator (now or later): error, then close 1011', async () => {
    const now = setup({}, () => AUTH_UNAVAILABLE);
    const connection = now.open();
    now.send(connection, 'auth', { token: 'x' });
    expect(connection.sent).toEqual([{ event: 'error', data: AUTH_UNAVAILABLE.toJSON() }]);
    expect(connection.ended).toEqual({ code: 1011, reason: 'auth_unavailable' });
    const later = setup({}, () => Promise.resolve(AUTH_UNAVAILABLE));
    const waiting = later.open();
    later.send(waiting, 'auth', { token: 'x' });
    await vi.waitFor(() => expect(waiting.ended).toEqual({ code: 1011, reason: 'auth_unavailable' }));
  });

  it('no auth frame in time: 4408 auth_timeout', () => {
    vi.useFakeTimers();
    const { open } = setup({ authTimeoutMs: 1000 });
    const connection = open();
    vi.advanceTimersByTime(999);
    expect(connection.ended).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(connection.ended).toEqual({ code: 4408, reason: 'auth_timeout' });
  });

  it('a live session closes exactly when its exp stops passing validation: not a second later', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000_000);
    const { open } = setup({ expiryNoticeSeconds: 0 });
    // exp = now + 10 s: valid while now <= exp (whole seconds), so through exp + 999 ms.
    const connection = open(undefined, session('alice', 1_000_010));
    vi.advanceTimersByTime(10_999);
    expect(connection.ended).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(connection.ended).toEqual({ code: 4001, reason: 'token_expired' });
  });

  it('OnGatewayAuthenticated: told of the first session and of each refresh, with the client', async () => {
    const { open, send } = setup();
    const seen: [unknown, Session][] = [];
    const failing: OnGatewayAuthenticated = { handleAuthenticated: () => Promise.reject(new Error('hook bug')) };
    const connection = new FakeConnection();
    connection.hooks = [{ handleAuthenticated: (client, s) => void seen.push([client, s]) }, failing];
    open(connection);
    send(connection, 'auth', { token: 'alice' });
    send(connection, 'auth', { token: 'alice' });
    expect(seen).toEqual([
      [connection.client, session('alice')],
      [connection.client, session('alice')],
    ]);
    await Promise.resolve();
    expect(connection.ended).toBeUndefined(); // a failing hook does not end the socket
  });

  it('frames faster than maxFramesPerSecond: a burst of twice the rate, then 1008 rate_limited', () => {
    vi.useFakeTimers();
    const { open, send, dispatched } = setup({ maxFramesPerSecond: 5 });
    const connection = open(undefined, session('alice'));
    for (let i = 0; i < 10; i++) send(connection, 'note');
    expect(connection.ended).toBeUndefined();
    vi.advanceTimersByTime(1000); // five more
    for (let i = 0; i < 5; i++) send(connection, 'note');
    expect(connection.ended).toBeUndefined();
    send(connection, 'note');
    expect(connection.ended).toEqual({ code: 1008, reason: 'rate_limited' });
    expect(dispatched).toHaveLength(15);
  });

  it('unauthenticated sockets per address are capped; one that authenticates or closes frees its place', () => {
    const { sessions, open, send } = setup({ maxPendingPerAddress: 2 });
    const first = open();
    const second = open();
    expect(sessions.admitsPending('10.0.0.1')).toBe(false);
    const third = open();
    expect(third.ended).toEqual({ code: 4429, reason: 'too_many_connections' });
    expect(open(undefined, undefined, '10.0.0.2').ended).toBeUndefined(); // another address
    send(first, 'auth', { token: 'alice' });
    expect(open().ended).toBeUndefined();
    sessions.closed(second);
    expect(sessions.admitsPending('10.0.0.1')).toBe(true);
  });

  describe('startup: gateways without a Gatehouse adapter', () => {
    @WebSocketGateway()
    class ChatGateway {}

    const withGateway = (modules: ModulesContainer) => {
      const wrapper = { metatype: ChatGateway, instance: new ChatGateway(), isDependencyTreeStatic: () => true };
      (modules as unknown as Map<string, unknown>).set('app', { providers: new Map([[ChatGateway, wrapper]]) });
    };

    it('stops the app, naming the gateway and both adapters', () => {
      const { sessions, modules } = setup();
      withGateway(modules);
      expect(() => sessions.onApplicationBootstrap()).toThrow(/ChatGateway.*GatehouseWsAdapter.*GatehouseIoAdapter/);
    });

    it('starts once a Gatehouse adapter serves them, or with no gateway', () => {
      const { sessions, modules } = setup();
      expect(() => sessions.onApplicationBootstrap()).not.toThrow();
      withGateway(modules);
      sessions.adapterInUse('GatehouseWsAdapter');
      expect(() => sessions.onApplicationBootstrap()).not.toThrow();
    });
  });

  it('the close codes of the new refusals', () => {
    expect(closeCodeOf(AUTH_UNAVAILABLE)).toBe(1011);
    expect(closeCodeOf(new AuthFailure('rate_limited', 'failure limit'))).toBe(4429);
  });
});
