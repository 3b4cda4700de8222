import type { EventEmitter } from 'node:events';

// The slow_consumer limit of docs/protocol.md §10 for Socket.IO. What the server sends
// (Gatehouse's events, gateway replies, room broadcasts) waits in the engine.io
// connection's write buffer until its transport can take it: until the next poll
// (long-polling), or until the kernel accepts the previous batch (WebSocket, where the
// batch in flight sits in the `ws` socket's bufferedAmount). A client that stops reading
// makes both grow without end; past the limit its connection is dropped instead.

const QUEUED = Symbol('gatehouse.queuedBytes');

interface EnginePacket {
  readonly data?: unknown;
}

/** The parts of an engine.io Socket (`socket.conn`) this reads; engine.io is socket.io's own dependency. */
interface EngineConnection extends EventEmitter {
  readonly readyState: string;
  readonly transport: { readonly socket?: { readonly bufferedAmount?: number; terminate?(): void } };
  close(discard?: boolean): void;
  [QUEUED]?: number;
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  return (data as { byteLength?: number } | undefined)?.byteLength ?? 0;
}

/** Drops the connection without waiting for the client to read what is queued (it will not). */
function drop(connection: EngineConnection): void {
  const ws = connection.transport.socket;
  if (typeof ws?.terminate === 'function') ws.terminate();
  else connection.close(true);
}

/**
 * Watches every connection of an engine.io server: past `maxBytes` waiting to be sent
 * to one client, that client is dropped (its sockets see "transport close"). Two
 * listener functions shared by every connection, a number on each: no closure per client.
 */
export function limitWriteBuffers(engine: EventEmitter, maxBytes: number, onDrop: () => void): void {
  const onPacket = function (this: EngineConnection, packet: EnginePacket): void {
    const queued = this[QUEUED];
    if (queued === -1) return; // already being dropped
    const total = (queued ?? 0) + sizeOf(packet.data);
    if (total + (this.transport.socket?.bufferedAmount ?? 0) <= maxBytes) {
      this[QUEUED] = total;
      return;
    }
    this[QUEUED] = -1;
    onDrop();
    // Not from inside engine.io's sendPacket, which pushes this packet right after.
    process.nextTick(drop, this);
  };
  const onFlush = function (this: EngineConnection): void {
    if (this[QUEUED] !== -1) this[QUEUED] = 0; // the buffer went to the transport
  };
  engine.on('connection', (connection: EngineConnection) => {
    connection.on('packetCreate', onPacket);
    connection.on('flush', onFlush);
  });
}
