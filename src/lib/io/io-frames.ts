import type { Frame } from '../ws/ws-frames.js';

/**
 * An incoming Socket.IO event (`[event, ...args, ack?]`, as socket middleware sees it)
 * as a frame of the protocol: `data` is the first argument, an acknowledgement
 * callback is not data. An event name that is not a non-empty string (Socket.IO's
 * parser lets numbers through) is not a frame: undefined, refused as bad_message.
 */
export function frameOfPacket(packet: readonly unknown[]): Frame | undefined {
  const event = packet[0];
  if (typeof event !== 'string' || event === '') return undefined;
  const data = packet[1];
  const last = packet.length > 1 ? packet[packet.length - 1] : undefined;
  const frame = { event, data: typeof data === 'function' ? undefined : data };
  return typeof last === 'function' ? { ...frame, ack: last as (response: unknown) => void } : frame;
}
