import type { WsMessageHandler } from '@nestjs/common';
import { isObservable } from 'rxjs';
import type { IoSocket } from './io-types.js';

// The gateways' handlers for one incoming Socket.IO event, called as Nest's IoAdapter
// calls them (the same payload mapping and replies) without its per-socket rxjs
// streams: one stream per handler per socket cost about 7 KB of heap for every idle
// socket (bench/io-bench.mjs), more than all the rest of Gatehouse's per-socket state.

export interface Payload {
  readonly data: unknown;
  readonly ack?: Function;
}

/** Nest's mapping of an event's arguments to `data` and an acknowledgement callback (IoAdapter.mapPayload). */
export type MapPayload = (payload: unknown) => Payload;

/**
 * Runs every handler bound to `packet[0]`: guards, pipes, interceptors and exception
 * filters run inside Nest's wrapped callback. A reply `{event, data}` is emitted; any
 * other value goes to the client's acknowledgement, unless the handler takes it itself.
 */
export function runHandlers(
  socket: IoSocket,
  handlers: readonly WsMessageHandler[],
  packet: readonly unknown[],
  mapPayload: MapPayload,
  onError: (error: unknown) => void,
): void {
  for (const handler of handlers) {
    if (handler.message !== packet[0]) continue;
    // As rxjs fromEvent, which Nest listens with, sees the arguments: one, or an array of several.
    const { data, ack } = mapPayload(packet.length > 2 ? packet.slice(1) : packet[1]);
    let result: unknown;
    try {
      result = handler.callback(data, ack);
    } catch (error) {
      onError(error);
      continue;
    }
    const reply = (response: unknown): void => respond(socket, handler, response, ack);
    Promise.resolve(result)
      .then((value) => (isObservable(value) ? void value.subscribe({ next: reply, error: onError }) : reply(value)))
      .catch(onError);
  }
}

function respond(socket: IoSocket, handler: WsMessageHandler, response: unknown, ack: Payload['ack']): void {
  if (response === undefined || response === null) return;
  const { event, data } = response as { event?: unknown; data?: unknown };
  if (typeof event === 'string' && event !== '') {
    socket.emit(event, data);
    return;
  }
  if (!handler.isAckHandledManually && typeof ack === 'function') (ack as (response: unknown) => void)(response);
}
