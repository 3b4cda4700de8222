import { constants } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { ConfigurationError } from '../options/configuration-error.js';
import { DataDirLock } from './data-dir-lock.js';
import { dropTimeOf, mergeRevocations, type Retention, type Revocation } from './revocation.js';
import { liftRecord, LogReplay, putRecord, readLines } from './revocation-log.js';
import { RevocationsFull, StoreUnavailable, type RevocationSink, type RevocationStore } from './revocation-store.js';

export const DATA_FILE = 'revocations.jsonl';

/** Never through a symbolic link: a planted link must not make Gatehouse read or write another file. */
const NO_FOLLOW = constants.O_NOFOLLOW;
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW;

/** The data file of each directory in use in this process, shared by the apps that use it. */
const SHARED = new Map<string, DataFile>();

export interface FileStoreOptions {
  /** The most entries held; one more is refused (RevocationsFull). */
  readonly maxEntries: number;
  /** Compaction waits for at least this many dead lines. */
  readonly compactAfter?: number;
}

/**
 * One process (no REDIS_URL): revocations in memory and in an append-only file under
 * the data directory, so a restart loses none. Each write is on disk (fdatasync)
 * before the admin API answers.
 *
 * One writer per directory: start() takes the directory's lock (DataDirLock) and a
 * second process is refused. The directory is created 0700 and the files 0600; the
 * data file and the compaction file are never opened through a symbolic link
 * (O_NOFOLLOW; the compaction file is created anew, O_EXCL). The file is read line
 * by line, so its size never matters, only its live entries, at most maxEntries.
 *
 * Compaction: lines that no longer count (lifted entries, entries past their drop
 * time) are removed at start and at each tidy (every minute), once there are more of
 * them than live entries and at least `compactAfter`. The live entries are written to
 * a new file that then replaces the old one (rename), so a crash leaves one whole file.
 */
class DataFile {
  readonly dir: string;
  readonly path: string;
  loaded = false;
  private readonly logger = new Logger('Revocation');
  private readonly maxEntries: number;
  private readonly compactAfter: number;
  /** The file's content, replayed: what compaction writes. */
  private readonly live = new Map<string, Revocation>();
  private lock: DataDirLock | undefined;
  private handle: FileHandle | undefined;
  /** The lists of the apps of this process that use this directory (usually one). */
  private readonly sinks = new Set<RevocationSink>();
  private starting: Promise<void> | undefined;
  /** Records in the file, live or not. */
  private records = 0;
  /** The file does not end with a newline (a torn last line): the next record starts on a line of its own. */
  private unterminated = false;
  /** Writes and compaction run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    dataDir: string,
    private readonly retention: Retention,
    options: FileStoreOptions,
  ) {
    this.dir = resolve(dataDir);
    this.path = join(this.dir, DATA_FILE);
    this.maxEntries = options.maxEntries;
    this.compactAfter = options.compactAfter ?? 1000;
  }

  /** Loads the file (once, for every app of this process on this directory) and keeps `sink` informed. */
  async attach(sink: RevocationSink): Promise<void> {
    this.starting ??= this.start();
    await this.starting;
    this.sinks.add(sink);
    sink.replaceAll([...this.live.values()]);
  }

  /** The last app gone: the file is closed and the directory's lock released. */
  async detach(sink: RevocationSink | undefined): Promise<void> {
    if (sink !== undefined) this.sinks.delete(sink);
    if (this.sinks.size > 0) return;
    SHARED.delete(this.dir);
    await this.close();
  }

  private async start(): Promise<void> {
    try {
      this.lock = await DataDirLock.acquire(this.dir);
    } catch (error) {
      SHARED.delete(this.dir);
      throw error;
    }
    let replay: LogReplay;
    try {
      replay = await this.load();
    } catch (error) {
      SHARED.delete(this.dir);
      await this.lock.release();
      throw error;
    }
    const { entries, records, skipped, skippedCount } = replay;
    for (const { line, why } of skipped) {
      this.logger.warn({ msg: `skipped line ${line} of ${this.path}: ${why}`, event: 'revocation_line_skipped', file: this.path, line });
    }
    if (skippedCount > skipped.length) this.logger.warn(`skipped ${skippedCount - skipped.length} more line(s) of ${this.path}`);
    for (const [id, entry] of entries) this.live.set(id, entry);
    this.records = records;
    this.loaded = true;
    if (records > 0) this.logger.log(`${entries.size} revocation(s) loaded from ${this.path}`);
    await this.tidy(Math.floor(Date.now() / 1000));
  }

  /**
   * Replays the data file, or refuses to start (ConfigurationError: one line saying
   * why): starting without the revocations would accept revoked tokens.
   */
  private async load(): Promise<LogReplay> {
    const replay = new LogReplay();
    let handle: FileHandle;
    try {
      handle = await open(this.path, constants.O_RDONLY | NO_FOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return replay;
      throw this.cannotLoad(
        code === 'ELOOP' ? 'it is a symbolic link (never followed: put the file itself there)' : (error as Error).message,
      );
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw this.cannotLoad('it is not a regular file');
      if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
        throw this.cannotLoad(`it belongs to another user (uid ${info.uid}, this process runs as ${process.getuid()})`);
      }
      if ((info.mode & 0o077) !== 0) await handle.chmod(0o600); // readable by others: made ours alone
      const lines = readLines(handle);
      for (let next = await lines.next(); ; next = await lines.next()) {
        if (next.done) {
          this.unterminated = !next.value.terminated;
          break;
        }
        replay.line(next.value.number, next.value.text, next.value.tooLong);
        // Memory stays bounded while reading; entries that have expired are dropped before the final count.
        if (replay.entries.size > 2 * this.maxEntries) throw this.tooMany();
      }
      const now = Math.floor(Date.now() / 1000);
      for (const [id, entry] of replay.entries) if (now >= dropTimeOf(entry, this.retention)) replay.entries.delete(id);
      if (replay.entries.size > this.maxEntries) throw this.tooMany();
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      throw this.cannotLoad((error as Error).message);
    } finally {
      await handle.close();
    }
    return replay;
  }

  private tooMany(): ConfigurationError {
    return this.cannotLoad(
      `it holds more than ${this.maxEntries} live revocations (REVOCATION_MAX_ENTRIES): raise the bound, or lift entries with a server started on a copy of the directory with a higher one`,
    );
  }

  private cannotLoad(why: string): ConfigurationError {
    return new ConfigurationError([`cannot load the revocations file ${this.path}: ${why}`]);
  }

  add(entry: Revocation): Promise<Revocation> {
    return this.serially(async () => {
      const current = this.live.get(entry.id);
      if (current === undefined && this.live.size >= this.maxEntries) throw new RevocationsFull(this.maxEntries);
      const stored = mergeRevocations(current, entry);
      if (stored !== current) await this.append(putRecord(stored));
      this.live.set(stored.id, stored);
      for (const sink of this.sinks) sink.put(stored);
      return stored;
    });
  }

  remove(id: string): Promise<boolean> {
    return this.serially(async () => {
      if (!this.live.has(id)) return false;
      await this.append(liftRecord(id));
      this.live.delete(id);
      for (const sink of this.sinks) sink.remove(id);
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

  private async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = undefined;
    await this.lock?.release();
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
      // Created on the first revocation: a server that never revokes leaves no data file behind.
      const handle = await open(this.path, APPEND, 0o600);
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new Error('it is not a regular file');
      }
      this.handle = handle;
    }
    return this.handle;
  }

  private async compact(): Promise<void> {
    const next = `${this.path}.compacting`;
    const entries = [...this.live.values()];
    // A leftover of a crash, or something planted there: removed (unlink never follows a link), then created anew.
    await unlink(next).catch(() => undefined);
    const file = await open(next, CREATE_NEW, 0o600);
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

/**
 * One app's handle on the data file of its directory (GATEHOUSE_DATA_DIR). Several
 * apps of one process on the same directory (a test suite building an app per test)
 * share one DataFile, hence one writer and one lock, and each sees the others'
 * revocations; the first one's retention and bound apply. Another process is refused.
 */
export class FileRevocationStore implements RevocationStore {
  readonly dir: string;
  readonly path: string;
  readonly description: string;
  readonly staleness = undefined;
  private file: DataFile | undefined;
  private sink: RevocationSink | undefined;

  constructor(
    dataDir: string,
    private readonly retention: Retention,
    private readonly options: FileStoreOptions,
  ) {
    this.dir = resolve(dataDir);
    this.path = join(this.dir, DATA_FILE);
    this.description = `file ${this.path}`;
  }

  get loaded(): boolean {
    return this.file?.loaded ?? false;
  }

  async start(sink: RevocationSink, _waitMs = 0): Promise<void> {
    let file = SHARED.get(this.dir);
    if (file === undefined) {
      file = new DataFile(this.dir, this.retention, this.options);
      SHARED.set(this.dir, file);
    }
    await file.attach(sink);
    this.file = file;
    this.sink = sink;
  }

  async add(entry: Revocation): Promise<Revocation> {
    return this.started().add(entry);
  }

  async remove(id: string): Promise<boolean> {
    return this.started().remove(id);
  }

  async tidy(now: number): Promise<void> {
    await this.file?.tidy(now);
  }

  async close(): Promise<void> {
    const { file, sink } = this;
    this.file = undefined;
    this.sink = undefined;
    await file?.detach(sink);
  }

  private started(): DataFile {
    if (this.file === undefined) throw new StoreUnavailable('the revocations file is not open (the app has not started, or has stopped)');
    return this.file;
  }
}
