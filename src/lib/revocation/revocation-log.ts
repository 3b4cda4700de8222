import type { FileHandle } from 'node:fs/promises';
import { parseStoredRevocation, type Revocation } from './revocation.js';

// The data file of a single process (GATEHOUSE_DATA_DIR/revocations.jsonl): one JSON
// record per line, appended, never rewritten in place:
//
//   {"op":"put","entry":{"id":"sub_…","sub":"alice","before":1767225600,"revokedAt":1767225600}}
//   {"op":"lift","id":"sub_…"}
//
// Replaying the lines in order gives the set. A line that is not a record (a torn
// write, a hand edit) is skipped and reported; the others still count.

export function putRecord(entry: Revocation): string {
  return `${JSON.stringify({ op: 'put', entry })}\n`;
}

export function liftRecord(id: string): string {
  return `${JSON.stringify({ op: 'lift', id })}\n`;
}

export interface SkippedLine {
  /** 1-based, as editors count. */
  readonly line: number;
  readonly why: string;
}

/** No record is anywhere near this long (values are at most 1024 characters): a longer line is skipped unread. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Replays the lines of the data file in order, one at a time (never the whole file at
 * once: its size does not matter, only the live entries are kept).
 */
export class LogReplay {
  readonly entries = new Map<string, Revocation>();
  /** Records read (skipped and blank lines not counted): what compaction weighs against live entries. */
  records = 0;
  /** The first 100 lines skipped, with why; skippedCount counts them all. */
  readonly skipped: SkippedLine[] = [];
  skippedCount = 0;

  /** One line (without its newline); `tooLong`: longer than MAX_LINE_BYTES, not kept. */
  line(number: number, text: string, tooLong = false): void {
    if (tooLong) {
      this.skip(number, `longer than ${MAX_LINE_BYTES} bytes`);
      return;
    }
    if (text.trim() === '') return;
    const record = parseRecord(text);
    if (typeof record === 'string') {
      this.skip(number, record);
      return;
    }
    this.records += 1;
    if (record.op === 'put') this.entries.set(record.entry.id, record.entry);
    else this.entries.delete(record.id);
  }

  private skip(line: number, why: string): void {
    // Reported one by one up to a point: a file of garbage must not become a flood of log lines.
    if (this.skipped.length < 100) this.skipped.push({ line, why });
    this.skippedCount += 1;
  }
}

/** The whole text at once: for tests and small inputs. */
export function replayLog(text: string): LogReplay {
  const replay = new LogReplay();
  text.split('\n').forEach((line, index) => replay.line(index + 1, line));
  return replay;
}

/**
 * The lines of an open file, read in chunks: a line longer than MAX_LINE_BYTES is
 * reported (tooLong) without being held. `terminated`: the file ends with a newline
 * (or is empty).
 */
export async function* readLines(
  handle: FileHandle,
): AsyncGenerator<{ readonly number: number; readonly text: string; readonly tooLong: boolean }, { terminated: boolean }> {
  const chunk = Buffer.alloc(256 * 1024);
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  let number = 0;
  let sawAny = false;
  let lastByte = 0x0a;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    sawAny = true;
    lastByte = chunk[bytesRead - 1];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1 && newline < bytesRead; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      number += 1;
      if (!tooLong && length + piece.length <= MAX_LINE_BYTES) {
        yield { number, text: Buffer.concat([...parts, piece]).toString('utf8'), tooLong: false };
      } else {
        yield { number, text: '', tooLong: true };
      }
      parts = [];
      length = 0;
      tooLong = false;
      start = newline + 1;
    }
    const rest = chunk.subarray(start, bytesRead);
    if (!tooLong && length + rest.length <= MAX_LINE_BYTES) {
      parts.push(Buffer.from(rest));
      length += rest.length;
    } else {
      tooLong = true;
      parts = [];
      length = 0;
    }
  }
  if (tooLong || length > 0) {
    number += 1;
    yield { number, text: tooLong ? '' : Buffer.concat(parts).toString('utf8'), tooLong };
  }
  return { terminated: !sawAny || lastByte === 0x0a };
}

export type LogRecord = { readonly op: 'put'; readonly entry: Revocation } | { readonly op: 'lift'; readonly id: string };

/** The record on a line (or in a Redis announcement), or why it is not one. */
export function parseRecord(line: string): LogRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const record = value as Record<string, unknown> | null;
  if (record?.op === 'put') {
    const entry = parseStoredRevocation(record.entry);
    return entry === undefined ? 'not a revocation entry' : { op: 'put', entry };
  }
  if (record?.op === 'lift' && typeof record.id === 'string' && record.id !== '') return { op: 'lift', id: record.id };
  return 'not a revocation record';
}
