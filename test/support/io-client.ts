import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

// A real socket.io-client socket that records, in order, every event the server sent
// and the disconnect, for assertions (the Socket.IO twin of ws-client.ts).

export type IoTransport = 'polling' | 'websocket';
export const IO_TRANSPORTS: readonly IoTransport[] = ['polling', 'websocket'];

export interface IoEvent {
  readonly event: string;
  readonly data: any;
}

/** A refused handshake as the client sees it: connect_error's message and data. */
export interface IoRefusal {
  readonly message: string;
  readonly data: any;
}

export class IoClient {
  /** Every server event in order; the disconnect is recorded as `{event: 'disconnect', data: reason}`. */
  readonly events: IoEvent[] = [];
  readonly disconnected: Promise<string>;
  private readonly waiting: ((event: IoEvent) => void)[] = [];
  private read = 0;

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, data: unknown) => this.record({ event, data }));
    this.disconnected = new Promise((resolve) =>
      socket.on('disconnect', (reason) => {
        this.record({ event: 'disconnect', data: reason });
        resolve(reason);
      }),
    );
  }

  private record(event: IoEvent): void {
    this.events.push(event);
    const waiter = this.waiting.shift();
    if (waiter) {
      this.read++;
      waiter(event);
    }
  }

  /** The next event not read yet (waits up to timeoutMs). */
  next(timeoutMs = 5000): Promise<IoEvent> {
    if (this.read < this.events.length) return Promise.resolve(this.events[this.read++]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((event) => {
        clearTimeout(timer);
        resolve(event);
      });
    });
  }

  emit(event: string, ...args: unknown[]): void {
    this.socket.emit(event, ...args);
  }

  auth(token: string): void {
    this.socket.emit('auth', { token });
  }

  close(): void {
    this.socket.close();
  }
}

export interface IoConnectOptions extends Partial<ManagerOptions & SocketOptions> {
  readonly transport: IoTransport;
  /** Sent as `auth: { token }`. */
  readonly token?: string;
  /** A namespace such as `/chat`; the main one by default. */
  readonly namespace?: string;
}

/** A socket that does not reconnect by itself (tests say when), on one transport only. */
export function ioSocket(url: string, { transport, token, namespace = '', ...options }: IoConnectOptions): Socket {
  return io(`${url}${namespace}`, {
    transports: [transport],
    forceNew: true,
    reconnection: false,
    ...(token === undefined ? {} : { auth: { token } }),
    ...options,
  });
}

/** Connects; resolves once connected (listeners are on before, no event is missed), rejects with a refusal. */
export function ioConnect(url: string, options: IoConnectOptions): Promise<IoClient> {
  const socket = ioSocket(url, options);
  const client = new IoClient(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (error: Error & { data?: unknown }) => {
      socket.close();
      reject(Object.assign(new Error(`connect_error: ${error.message}`), { refusal: { message: error.message, data: error.data } }));
    });
  });
}

/** A handshake the server must refuse: what connect_error carried. */
export async function ioRefused(url: string, options: IoConnectOptions): Promise<IoRefusal> {
  try {
    const client = await ioConnect(url, options);
    client.close();
  } catch (error) {
    const refusal = (error as { refusal?: IoRefusal }).refusal;
    if (refusal) return refusal;
    throw error;
  }
  throw new Error('the handshake was accepted');
}

/** Connects and reads the first event, which must be the session. */
export async function ioAuthenticated(url: string, options: IoConnectOptions): Promise<IoClient> {
  const client = await ioConnect(url, options);
  const first = await client.next();
  if (first.event !== 'session') throw new Error(`first event: ${JSON.stringify(first)}`);
  return client;
}
