import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import type { GatehouseClient, StateChange, TokenReason, WebSocketConstructor } from 'nestjs-gatehouse/client';
import { now, unsignedToken } from './tokens.js';

// What a test of gatehouse/client watches: every event with its time, every socket the
// client opens, every token it asks for.

export interface Recorded {
  readonly at: number;
  readonly kind: string;
  readonly data: any;
}

export class ClientRecorder {
  readonly events: Recorded[] = [];

  constructor(client: GatehouseClient) {
    for (const kind of ['state', 'session', 'session_expiring', 'error']) {
      client.on(kind, (data: unknown) => this.events.push({ at: performance.now(), kind, data }));
    }
  }

  of(kind: string): Recorded[] {
    return this.events.filter((e) => e.kind === kind);
  }

  states(): StateChange[] {
    return this.of('state').map((e) => e.data as StateChange);
  }

  sessions(): any[] {
    return this.of('session').map((e) => e.data);
  }
}

/** A `ws` WebSocket class that notes when each socket is created (the client's attempts). */
export function countingWebSocket(created: number[]): WebSocketConstructor {
  return class CountingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      created.push(performance.now());
    }
  };
}

/** A getToken that records why it was asked, answering with `answer(reason)`. */
export function tokenSource(answer: (reason: TokenReason) => string) {
  const reasons: TokenReason[] = [];
  const getToken = (reason: TokenReason) => {
    reasons.push(reason);
    return answer(reason);
  };
  return { reasons, getToken };
}

/** An unsigned token for `sub` that expires `seconds` from now. */
export const tokenFor = (sub: string, seconds: number, claims: object = {}) => unsignedToken({ sub, exp: now() + seconds, ...claims });

/** Polls `predicate` until it holds, or fails naming `what`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
