import type { IncomingMessage } from 'node:http';
import { WebSocket, type ClientOptions } from 'ws';

export interface ServerFrame {
  readonly event: string;
  readonly data: any;
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A `ws` client that records every frame and the close, for assertions. */
export class WsClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<Closed>;
  private readonly waiting: ((frame: ServerFrame) => void)[] = [];
  private read = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as ServerFrame;
      this.frames.push(frame);
      const waiter = this.waiting.shift();
      if (waiter) {
        this.read++;
        waiter(frame);
      }
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  /** The next frame not read yet (waits up to timeoutMs). */
  next(timeoutMs = 5000): Promise<ServerFrame> {
    if (this.read < this.frames.length) return Promise.resolve(this.frames[this.read++]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  auth(token: string): void {
    this.send({ event: 'auth', data: { token } });
  }

  close(): Promise<Closed> {
    this.ws.close();
    return this.closed;
  }
}

export function wsUrl(port: number): string {
  return `ws://127.0.0.1:${port}/ws`;
}

/** Opens a socket; `token` goes in an Authorization: Bearer header. */
export function connect(port: number, token?: string, options: ClientOptions = {}): Promise<WsClient> {
  const headers = token === undefined ? options.headers : { ...options.headers, Authorization: `Bearer ${token}` };
  const ws = new WebSocket(wsUrl(port), { ...options, headers });
  // Listeners go on before the socket opens, so no early frame is missed.
  const client = new WsClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export interface UpgradeRefusal {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: any;
}

/** An upgrade that the server must refuse with an HTTP answer: its status, headers and JSON body. */
export function refusedUpgrade(port: number, headers: Record<string, string>, path = '/ws'): Promise<UpgradeRefusal> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
  });
}
