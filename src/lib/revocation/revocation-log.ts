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

export interface ReplayedLog {
  readonly entries: Map<string, Revocation>;
  /** Records read (skipped and blank lines not counted): what compaction weighs against live entries. */
  readonly records: number;
  readonly skipped: SkippedLine[];
}

export function replayLog(text: string): ReplayedLog {
  const entries = new Map<string, Revocation>();
  const skipped: SkippedLine[] = [];
  let records = 0;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === '') continue;
    const record = parseRecord(line);
    if (typeof record === 'string') {
      skipped.push({ line: index + 1, why: record });
      continue;
    }
    records += 1;
    if (record.op === 'put') entries.set(record.entry.id, record.entry);
    else entries.delete(record.id);
  }
  return { entries, records, skipped };
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
