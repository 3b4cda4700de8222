import { constants, unlinkSync } from 'node:fs';
import { link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../options/configuration-error.js';

export const LOCK_FILE = 'revocations.lock';

// One writer per data directory (docs/clusters.md). Two processes appending to one file
// never see each other's writes, and one's compaction drops the other's entries.
//
// How: a lock file created with O_EXCL (atomic on every local file system, no native
// addon needed, unlike flock) that holds the owner's pid and host name. A lock left by
// a process that died without removing it (SIGKILL, power loss) must not block for
// ever: a lock whose host is this one and whose pid is no longer running
// (process.kill(pid, 0) answers ESRCH), or is this very process's pid (a container
// restarted: the new process often gets the old pid), is stale and taken over. A lock
// from another host cannot be checked: it blocks until removed by hand, and the
// refusal says so. Taking over renames the stale lock away first and checks that it
// renamed the stale one (not a lock another starting process made meanwhile).

/** Data directories locked by this process: a second app in the same process is refused too. */
const HELD = new Set<string>();

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export class DataDirLock {
  private released = false;
  private readonly onExit = () => this.releaseSync();

  private constructor(
    readonly dir: string,
    readonly path: string,
    private readonly content: string,
  ) {
    HELD.add(dir);
    process.once('exit', this.onExit);
  }

  /**
   * Creates the directory (0700) when missing and locks it; refuses (ConfigurationError,
   * one line naming the directory and the lock) when another process holds it.
   */
  static async acquire(dir: string): Promise<DataDirLock> {
    const path = join(dir, LOCK_FILE);
    if (HELD.has(dir)) throw refusal(dir, path, 'another Gatehouse app in this same process uses it');
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new ConfigurationError([`the data directory ${dir} (GATEHOUSE_DATA_DIR) cannot be created: ${(error as Error).message}`]);
    }
    const info = await lstat(dir).catch(() => undefined);
    if (info !== undefined && !info.isDirectory() && !info.isSymbolicLink()) {
      throw new ConfigurationError([`the data directory ${dir} (GATEHOUSE_DATA_DIR) is not a directory`]);
    }
    const content = `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() } satisfies LockOwner)}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await createExclusive(path, content)) return new DataDirLock(dir, path, content);
      const current = await readLock(path);
      if (current === undefined) continue; // removed meanwhile: try again
      const owner = parseOwner(current);
      const why = stillHeld(owner);
      if (why !== undefined) throw refusal(dir, path, why);
      await takeOver(path, current);
    }
    throw refusal(dir, path, 'other processes keep taking the lock');
  }

  /** Removes the lock file, if it is still this process's. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    HELD.delete(this.dir);
    process.off('exit', this.onExit);
    const current = await readLock(this.path).catch(() => undefined);
    if (current === this.content) await unlink(this.path).catch(() => undefined);
  }

  /** On exit (an uncaught error, process.exit): nothing asynchronous runs any more. */
  private releaseSync(): void {
    if (this.released) return;
    this.released = true;
    try {
      unlinkSync(this.path);
    } catch {
      // gone already
    }
  }
}

function refusal(dir: string, path: string, why: string): ConfigurationError {
  return new ConfigurationError([
    `the data directory ${dir} (GATEHOUSE_DATA_DIR) is in use: ${why} (lock file ${path}). One process per data directory: give each its own, or use REDIS_URL for several; if no Gatehouse process uses it any more, remove the lock file`,
  ]);
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ConfigurationError([`cannot create the lock file ${path}: ${(error as Error).message}`]);
  }
  try {
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return true;
}

/** The lock's content; undefined when there is none. Never follows a link. */
async function readLock(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new ConfigurationError([`the lock file ${path} is a symbolic link: remove it`]);
    throw new ConfigurationError([`cannot read the lock file ${path}: ${(error as Error).message}`]);
  }
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function parseOwner(content: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(content) as Partial<LockOwner> | null;
    if (typeof owner?.pid === 'number' && Number.isInteger(owner.pid) && owner.pid > 0 && typeof owner.host === 'string') {
      return { pid: owner.pid, host: owner.host, startedAt: String(owner.startedAt) };
    }
  } catch {
    // not a lock of ours
  }
  return undefined;
}

/** Why the lock still counts (undefined: it is stale). */
function stillHeld(owner: LockOwner | undefined): string | undefined {
  if (owner === undefined) return 'its lock file holds no owner that can be checked';
  const who = `process ${owner.pid} on ${owner.host}, since ${owner.startedAt}`;
  if (owner.host !== hostname()) return `${who}, which cannot be checked from here`;
  if (owner.pid === process.pid) return undefined; // an earlier life of this process's pid
  try {
    process.kill(owner.pid, 0);
    return `${who} is running`;
  } catch (error) {
    // EPERM: running, as another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? undefined : `${who} is running`;
  }
}

/** Moves a stale lock away, making sure it was that one; a fresh lock moved by mistake is put back. */
async function takeOver(path: string, stale: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(path, aside);
  } catch {
    return; // gone already: another process took it over
  }
  if ((await readLock(aside)) !== stale) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
