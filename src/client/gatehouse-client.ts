// gatehouse/client: the WebSocket protocol of docs/protocol.md §5, from the client's side
// (§13.1), and fetch with the same token. One file with no imports: it loads in a browser
// as it is (<script type="module">), and in Node with a WebSocket implementation passed in.
//
// The state machine, all of it:
//
//   connect() ─▶ connecting ──session──▶ authenticated ──session_expiring──▶ (refresh in place)
//                    │                        │
//                    └──────── close ─────────┴─▶ 4001          new token, reconnect at once (once)
//                                                 4401, 4403    new token, one more try, then closed + fatal error
//                                                 anything else reconnecting: backoff with full jitter
//                                                 (1001, 1006, 1011 auth_unavailable, 4408, 4429, ...)
//   close() or giving up ─▶ closed
//
// A session resets the counters (backoff attempt, the one retry of 4001 and of 4401/4403).

export interface Session {
  readonly sub: string;
  /** The token's exp in seconds, or null when it has none. */
  readonly expiresAt: number | null;
  readonly claims: Record<string, unknown>;
  readonly authMode: 'secure' | 'insecure';
}

export interface SessionExpiring {
  readonly expiresAt: number;
  readonly serverTime: number;
}

/**
 * The `error` event: the server's refusals (§5.4, the reason codes of §7), and the client's
 * own: `queue_full`, `not_connected`, `token_unavailable`, `frames_discarded`,
 * `socket_refused`. `fatal` is true when the client has stopped because of it (its state is
 * then `closed`).
 */
export interface GatehouseError {
  readonly reason: string;
  readonly message: string;
  readonly fatal: boolean;
}

export type ClientState = 'connecting' | 'authenticated' | 'reconnecting' | 'closed';

/** The `state` event: each change, and each reconnect attempt with its delay. */
export interface StateChange {
  readonly state: ClientState;
  /** The close that caused this change, when one did. */
  readonly close?: { readonly code: number; readonly reason: string };
  /** reconnecting: how long the client waits before the next attempt. */
  readonly delayMs?: number;
  /** reconnecting with backoff: 1 for the first attempt since the last session. */
  readonly attempt?: number;
}

/** Why getToken is called: `expired` and `rejected` mean the last token was refused. */
export type TokenReason = 'connect' | 'refresh' | 'expired' | 'rejected';

export interface Frame {
  readonly event: string;
  readonly data?: unknown;
}

/** The part of the WebSocket API the client uses: the browser's, Node 22's or `ws`'s. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface BackoffOptions {
  /** The first window, in ms (default 500): the n-th attempt waits random() × min(cap, base × 2^(n-1)). */
  readonly baseMs?: number;
  /** The largest window, in ms (default 30000). */
  readonly capMs?: number;
  /** A number in [0, 1) (default Math.random); tests pass their own. */
  readonly random?: () => number;
}

export interface GatehouseClientOptions {
  /** ws:// or wss:// URL of the server's socket (http(s) works too; relative in a browser). */
  readonly url: string | URL;
  /** A token for the server; may be async. Called on every connect, refresh and retry. */
  readonly getToken: (reason: TokenReason) => string | Promise<string>;
  /** Default: globalThis.WebSocket. In Node 20 pass `WebSocket` from the `ws` package. */
  readonly WebSocket?: WebSocketConstructor;
  /** Default: globalThis.fetch. */
  readonly fetch?: FetchFunction;
  readonly backoff?: BackoffOptions;
  /** Frames send() may hold while there is no session (default 100); one more is refused. */
  readonly maxQueuedFrames?: number;
}

/** Payloads of the events a handler may subscribe to; any other name is a gateway's event. */
export interface GatehouseEvents {
  session: Session;
  session_expiring: SessionExpiring;
  error: GatehouseError;
  state: StateChange;
  /** Every frame from the server, whatever its event. */
  '*': Frame;
}

type Handler = (data: any) => void;
type CloseInfo = NonNullable<StateChange['close']>;

const OPEN = 1;
export const DEFAULT_BACKOFF = { baseMs: 500, capMs: 30_000 } as const;
export const DEFAULT_MAX_QUEUED_FRAMES = 100;

/** Full jitter: a uniform delay in [0, min(cap, base × 2^(attempt-1))), attempt counted from 1. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

export class GatehouseClient {
  private readonly url: string;
  private readonly getToken: GatehouseClientOptions['getToken'];
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly fetchImpl: FetchFunction | undefined;
  private readonly backoff: Required<BackoffOptions>;
  private readonly maxQueued: number;
  private readonly handlers = new Map<string, Set<Handler>>();

  private current: ClientState = 'closed';
  private socket: WebSocketLike | undefined;
  private lastSession: Session | undefined;
  private token: string | undefined;
  /** Frames (as JSON text) waiting for a session. */
  private queue: string[] = [];
  /** Bumped by connect() and close(): callbacks of an earlier run do nothing. */
  private run = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  // Reset by every session:
  private attempt = 0;
  private retriedExpired = false;
  private retriedRejected = false;
  private refreshing = false;
  /** The expiresAt a refresh was last made for: no second refresh for the same one. */
  private refreshedFrom: number | undefined;
  private lastServerError: GatehouseError | undefined;

  constructor(options: GatehouseClientOptions) {
    if (typeof options?.getToken !== 'function') throw new TypeError('GatehouseClient: getToken must be a function');
    this.url = socketUrl(options.url);
    const WebSocketImpl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (typeof WebSocketImpl !== 'function') {
      throw new TypeError("GatehouseClient: no WebSocket here; pass one (in Node 20: WebSocket from the 'ws' package)");
    }
    this.WebSocketImpl = WebSocketImpl;
    this.getToken = options.getToken;
    this.fetchImpl = options.fetch;
    this.backoff = {
      baseMs: positive(options.backoff?.baseMs, DEFAULT_BACKOFF.baseMs, 'backoff.baseMs'),
      capMs: positive(options.backoff?.capMs, DEFAULT_BACKOFF.capMs, 'backoff.capMs'),
      random: options.backoff?.random ?? Math.random,
    };
    this.maxQueued = positive(options.maxQueuedFrames, DEFAULT_MAX_QUEUED_FRAMES, 'maxQueuedFrames');
  }

  get state(): ClientState {
    return this.current;
  }

  /** The live session, or undefined when not authenticated. */
  get session(): Session | undefined {
    return this.current === 'authenticated' ? this.lastSession : undefined;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof GatehouseEvents>(event: K, handler: (data: GatehouseEvents[K]) => void): () => void;
  on(event: string, handler: (data: any) => void): () => void;
  on(event: string, handler: Handler): () => void {
    const set = this.handlers.get(event) ?? new Set<Handler>();
    this.handlers.set(event, set.add(handler));
    return () => void set.delete(handler);
  }

  /** Starts (or restarts after close()): a token, a socket, the auth frame. */
  connect(): void {
    if (this.current !== 'closed') return;
    this.run += 1;
    this.resetCounters();
    this.changeState({ state: 'connecting' });
    void this.open('connect');
  }

  /** Stops for good (until connect()): the socket closes with 1000, frames still queued are discarded. */
  close(): void {
    if (this.current === 'closed') return;
    this.socket?.close(1000, 'client_closed');
    this.stop({ code: 1000, reason: 'client_closed' });
  }

  /**
   * Sends `{event, data}` now when authenticated, else queues it until the next session.
   * Returns false, with an `error` event, when it is refused (queue full, or closed).
   */
  send(event: string, data?: unknown): boolean {
    if (typeof event !== 'string' || event === '') throw new TypeError('GatehouseClient.send: event must be a non-empty string');
    if (event === 'auth') throw new TypeError("GatehouseClient.send: 'auth' is the client's own frame");
    const text = JSON.stringify(data === undefined ? { event } : { event, data });
    if (this.current === 'closed') {
      this.fail('not_connected', `"${event}" not sent: the client is closed; call connect() first`);
      return false;
    }
    if (this.canSend()) {
      this.socket!.send(text);
      return true;
    }
    if (this.queue.length >= this.maxQueued) {
      this.fail('queue_full', `"${event}" not sent: ${this.maxQueued} frames already wait for a session (maxQueuedFrames)`);
      return false;
    }
    this.queue.push(text);
    return true;
  }

  /** Refresh in place now (what session_expiring does): a new token in an `auth` frame. */
  async refresh(): Promise<void> {
    const socket = this.socket;
    if (this.current !== 'authenticated' || this.refreshing || socket === undefined) return;
    this.refreshing = true; // frames wait until the new session, as the server would make them
    this.refreshedFrom = this.lastSession?.expiresAt ?? undefined;
    const token = await this.tokenFor('refresh');
    if (this.socket !== socket) return; // closed or replaced meanwhile
    if (token === undefined) {
      // No token: keep the session; at its expiry the server closes with 4001 and we reconnect.
      this.refreshing = false;
      this.flush();
      return;
    }
    socket.send(JSON.stringify({ event: 'auth', data: { token } }));
  }

  /**
   * fetch() with `Authorization: Bearer <token>`. On 401 `token_expired` it gets a new token
   * and retries once (so a request body must be replayable: a string, Blob, FormData...).
   */
  async fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const fetchImpl = this.fetchImpl ?? (globalThis as { fetch?: FetchFunction }).fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('GatehouseClient: no fetch here; pass one in the options');
    const attempt = (token: string) => {
      const isRequest = typeof Request !== 'undefined' && input instanceof Request;
      const headers = new Headers(init.headers ?? (isRequest ? input.headers : undefined));
      headers.set('Authorization', `Bearer ${token}`);
      return fetchImpl(isRequest ? input.clone() : input, { ...init, headers });
    };
    const first = await attempt(this.token ?? (await this.obtainToken('connect')));
    if (first.status !== 401 || !(await saysExpired(first))) return first;
    return attempt(await this.obtainToken('expired'));
  }

  // ── the socket ──────────────────────────────────────────────────────────────────────

  private async open(why: TokenReason): Promise<void> {
    const run = this.run;
    const token = await this.tokenFor(why);
    if (run !== this.run) return; // close() was called meanwhile
    if (token === undefined) return this.retryLater(undefined, why);
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketImpl(this.url);
    } catch (error) {
      // Not the network: the environment refuses this URL (ws:// from an https:// page, say).
      this.emit('error', { reason: 'socket_refused', message: `new WebSocket(${this.url}): ${messageOf(error)}`, fatal: true });
      return this.stop({ code: 1006, reason: 'socket_refused' });
    }
    this.socket = socket;
    this.lastServerError = undefined;
    socket.onopen = () => socket.send(JSON.stringify({ event: 'auth', data: { token } }));
    socket.onmessage = (event: { data: unknown }) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onclose = (event: { code: number; reason: string }) => {
      if (this.socket === socket) this.closed({ code: event.code, reason: event.reason });
    };
    socket.onerror = () => {}; // a close event always follows, and decides
  }

  private receive(text: unknown): void {
    const frame = parseFrame(text);
    if (frame === undefined) return; // the server sends only frames of §5.1
    if (frame.event === 'session') this.authenticated(frame.data as Session);
    if (frame.event === 'session_expiring') this.expiring(frame.data as SessionExpiring);
    this.emit('*', frame);
    if (frame.event === 'error') {
      const data = frame.data as { reason?: unknown; message?: unknown } | undefined;
      this.lastServerError = { reason: String(data?.reason), message: String(data?.message), fatal: false };
      this.emit('error', this.lastServerError);
    } else {
      this.emit(frame.event, frame.data);
    }
  }

  private authenticated(session: Session): void {
    this.lastSession = session;
    this.resetCounters();
    const changed = this.current !== 'authenticated';
    this.current = 'authenticated';
    this.flush();
    if (changed) this.emit('state', { state: 'authenticated' });
  }

  private expiring(notice: SessionExpiring): void {
    // A token no longer than the notice window would bring a notice at once, every time:
    // refresh once per expiresAt, and let the close at expiry (4001) take over after that.
    if (this.refreshedFrom !== undefined && notice.expiresAt <= this.refreshedFrom) return;
    void this.refresh();
  }

  private closed(close: CloseInfo): void {
    this.socket = undefined;
    this.refreshing = false;
    if (close.code === 4001 && !this.retriedExpired) {
      this.retriedExpired = true;
      return this.retryNow('expired', close);
    }
    if (close.code === 4401 || close.code === 4403) {
      if (!this.retriedRejected) {
        this.retriedRejected = true;
        return this.retryNow('rejected', close);
      }
      const refused = this.lastServerError;
      const message = `${refused?.message ?? `closed with ${close.code}`}; a new token was refused as well, so the client stopped`;
      this.emit('error', { reason: close.reason || refused?.reason || String(close.code), message, fatal: true });
      return this.stop(close);
    }
    // 1001, 1006, 1011 (auth_unavailable: the server could not check a token just now),
    // 4408, 4429, a repeated 4001, and anything else: back off.
    this.retryLater(close, close.code === 4001 ? 'expired' : 'connect');
  }

  private retryNow(why: TokenReason, close: CloseInfo): void {
    this.changeState({ state: 'reconnecting', close, delayMs: 0 });
    void this.open(why);
  }

  private retryLater(close: CloseInfo | undefined, why: TokenReason): void {
    this.attempt += 1;
    const { baseMs, capMs, random } = this.backoff;
    const delayMs = backoffDelay(this.attempt, baseMs, capMs, random);
    this.changeState({ state: 'reconnecting', ...(close ? { close } : {}), delayMs, attempt: this.attempt });
    const run = this.run;
    this.timer = setTimeout(() => {
      if (run === this.run) void this.open(why);
    }, delayMs);
  }

  private stop(close: CloseInfo): void {
    this.run += 1;
    clearTimeout(this.timer);
    this.socket = undefined;
    if (this.queue.length > 0) {
      this.fail('frames_discarded', `${this.queue.length} frame(s) waiting for a session were discarded: the client stopped`);
      this.queue = [];
    }
    this.changeState({ state: 'closed', close });
  }

  // ── small parts ─────────────────────────────────────────────────────────────────────

  private canSend(): boolean {
    return this.current === 'authenticated' && !this.refreshing && this.socket?.readyState === OPEN;
  }

  private flush(): void {
    while (this.queue.length > 0 && this.canSend()) this.socket!.send(this.queue.shift()!);
  }

  private resetCounters(): void {
    this.attempt = 0;
    this.retriedExpired = false;
    this.retriedRejected = false;
    this.refreshing = false;
  }

  /** A token for the socket, or undefined after an error event (the caller retries later). */
  private async tokenFor(why: TokenReason): Promise<string | undefined> {
    try {
      return await this.obtainToken(why);
    } catch (error) {
      this.fail('token_unavailable', messageOf(error));
      return undefined;
    }
  }

  private async obtainToken(why: TokenReason): Promise<string> {
    let token: unknown;
    try {
      token = await this.getToken(why);
    } catch (error) {
      throw new Error(`getToken("${why}") failed: ${messageOf(error)}`);
    }
    if (typeof token !== 'string' || token === '') {
      throw new Error(`getToken("${why}") returned ${token === '' ? 'an empty string' : typeof token}, not a token`);
    }
    this.token = token;
    return token;
  }

  private changeState(change: StateChange): void {
    this.current = change.state;
    this.emit('state', change);
  }

  private fail(reason: string, message: string): void {
    this.emit('error', { reason, message, fatal: false });
  }

  private emit(event: string, data: unknown): void {
    // A copy: a handler added or removed while emitting takes effect from the next event.
    for (const handler of Array.from(this.handlers.get(event) ?? [])) {
      try {
        handler(data);
      } catch (error) {
        // A throwing handler must not break the state machine: report it on its own.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function socketUrl(url: string | URL): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  let parsed: URL;
  try {
    parsed = new URL(url, base);
  } catch {
    throw new TypeError(`GatehouseClient: url ${JSON.stringify(String(url))} is not a URL (use ws://host:port/ws)`);
  }
  const schemes: Record<string, string> = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' };
  if (schemes[parsed.protocol] === undefined) {
    throw new TypeError(`GatehouseClient: url must be ws://, wss://, http:// or https://, got ${parsed.protocol}`);
  }
  parsed.protocol = schemes[parsed.protocol];
  return parsed.href;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`GatehouseClient: ${name} must be a positive number`);
  return value;
}

function parseFrame(text: unknown): Frame | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && typeof (value as Frame).event === 'string') return value as Frame;
  } catch {
    // not JSON: ignored
  }
  return undefined;
}

async function saysExpired(response: Response): Promise<boolean> {
  try {
    const body = (await response.clone().json()) as { reason?: unknown } | null;
    return body?.reason === 'token_expired';
  } catch {
    return false;
  }
}
