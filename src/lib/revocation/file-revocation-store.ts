import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { dropTimeOf, mergeRevocations, type Retention, type Revocation } from './revocation.js';
import { liftRecord, putRecord, replayLog } from './revocation-log.js';
import { StoreUnavailable, type RevocationSink, type RevocationStore } from './revocation-store.js';

export const DATA_FILE = 'revocations.jsonl';

/**
 * One process (no REDIS_URL): revocations in memory and in an append-only file under
 * the data directory, so a restart loses none. Each write is on disk (fdatasync)
 * before the admin API answers.
 *
 * Compaction: lines that no longer count (lifted entries, entries past their drop
 * time) are removed at start and at each tidy (every minute), once there are more of
 * them than live entries and at least `compactAfter`. The live entries are written to
 * a new file that then replaces the old one (rename), so a crash leaves one whole file.
 *
 * One process per directory: two processes appending to one file would not see each
 * other's writes (use Redis for that).
 */
export class FileRevocationStore implements RevocationStore {
  readonly path: string;
  readonly description: string;
  readonly staleness = undefined;
  loaded = false;
  private readonly logger = new Logger('Revocation');
  /** The file's content, replayed: what compaction writes. */
  private readonly live = new Map<string, Revocation>();
  private handle: FileHandle | undefined;
  /** Records in the file, live or not. */
  private records = 0;
  /** The file does not end with a newline (a torn last line): the next record starts on a line of its own. */
  private unterminated = false;
  /** Writes and compaction run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly retention: Retention,
    private readonly compactAfter = 1000,
  ) {
    this.path = resolve(join(dataDir, DATA_FILE));
    this.description = `file ${this.path}`;
  }

  async start(sink: RevocationSink, _waitMs = 0): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        // Starting without the revocations would accept revoked tokens: refuse to start.
        throw new Error(`cannot read the revocations file ${this.path}: ${(error as Error).message}`);
      }
      text = '';
    }
    const { entries, records, skipped } = replayLog(text);
    for (const { line, why } of skipped) {
      this.logger.warn({ msg: `skipped line ${line} of ${this.path}: ${why}`, event: 'revocation_line_skipped', file: this.path, line });
    }
    for (const [id, entry] of entries) this.live.set(id, entry);
    this.records = records;
    this.unterminated = text !== '' && !text.endsWith('\n');
    this.sink = sink;
    sink.replaceAll([...entries.values()]);
    this.loaded = true;
    if (records > 0) this.logger.log(`${entries.size} revocation(s) loaded from ${this.path}`);
    await this.tidy(Math.floor(Date.now() / 1000));
  }

  private sink: RevocationSink | undefined;

  add(entry: Revocation): Promise<Revocation> {
    return this.serially(async () => {
      const current = this.live.get(entry.id);
      const stored = mergeRevocations(current, entry);
      if (stored !== current) await this.append(putRecord(stored));
      this.live.set(stored.id, stored);
      this.sink?.put(stored);
      return stored;
    });
  }

  remove(id: string): Promise<boolean> {
    return this.serially(async () => {
      if (!this.live.has(id)) return false;
      await this.append(liftRecord(id));
      this.live.delete(id);
      this.sink?.remove(id);
      return true;
    });
  }

  tidy(now: number): Promise<void> {
    return this.serially(async () => {
      for (const [id, entry] of this.live) {
        if (now >= dropTimeOf(entry, this.retention)) this.live.delete(id);
      }
      const obsolete = this.records - this.live.size;
      if (obsolete < this.compactAfter || obsolete <= this.live.size) return;
      try {
        await this.compact();
      } catch (error) {
        // The old file is still whole (only a complete new file replaces it): tried again at the next tidy.
        this.logger.error(`could not compact ${this.path}: ${(error as Error).message}`);
      }
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = undefined;
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async append(record: string): Promise<void> {
    try {
      const handle = await this.openForAppend();
      await handle.write(this.unterminated ? `\n${record}` : record);
      this.unterminated = false;
      await handle.datasync();
      this.records += 1;
    } catch (error) {
      // Reopened on the next write; a half-written line is one the next start skips.
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
      this.unterminated = true;
      this.logger.error(`could not write to ${this.path}: ${(error as Error).message}`);
      throw new StoreUnavailable('the revocation could not be written to disk');
    }
  }

  private async openForAppend(): Promise<FileHandle> {
    if (this.handle === undefined) {
      // Created on the first revocation: a server that never revokes leaves no file behind.
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a');
    }
    return this.handle;
  }

  private async compact(): Promise<void> {
    const next = `${this.path}.compacting`;
    const entries = [...this.live.values()];
    const file = await open(next, 'w');
    try {
      await file.writeFile(entries.map(putRecord).join(''));
      await file.datasync();
    } finally {
      await file.close();
    }
    await this.handle?.close();
    this.handle = undefined;
    await rename(next, this.path);
    this.logger.log(`compacted ${this.path}: ${this.records} record(s) down to ${entries.length}`);
    this.records = entries.length;
    this.unterminated = false;
  }
}
