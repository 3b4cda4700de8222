import type { RawData } from 'ws';
import { isJsonObject } from '../core/token-rules.js';

export interface Frame {
  readonly event: string;
  readonly data: unknown;
  /** Socket.IO: the client asked for an acknowledgement (the packet's last argument). */
  readonly ack?: (response: unknown) => void;
}

/**
 * A client frame, or undefined when it is not JSON text of the shape
 * {"event": "<non-empty string>", "data": <any>}. `data` may be left out (whoami).
 */
export function parseFrame(raw: RawData, isBinary: boolean): Frame | undefined {
  if (isBinary) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(textOf(raw));
  } catch {
    return undefined;
  }
  if (!isJsonObject(value) || typeof value.event !== 'string' || value.event === '') return undefined;
  return { event: value.event, data: value.data };
}

function textOf(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw).toString('utf8');
}
