import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection.js';
import { boundOf, dropTimeOf, parseStoredRevocation, type Retention, type Revocation } from './revocation.js';
import { RevocationsFull, StoreUnavailable, type RevocationSink, type RevocationStore } from './revocation-store.js';

// Each write is one script: atomic across processes, one round trip. It stores the
// entry (keeping the later exp or cut-off, as mergeRevocations does), indexes its drop
// time, numbers the write and announces the id on the channel. An entry already
// there is kept only when it is one this process can read (the caller says so by
// passing the value it read and found wanting as ARGV[7]: that value is then
// overwritten, and only that one). The bound on the number of entries (ARGV[6]) is
// checked here, where every process's writes meet.
const PUT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and current ~= ARGV[7] then
  local ok, decoded = pcall(cjson.decode, current)
  local bound = ok and type(decoded) == 'table' and (decoded['exp'] or decoded['before'])
  if type(bound) == 'number' and bound >= tonumber(ARGV[3]) then return {current, 0} end
end
if not current and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[6]) then return {'', -1} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[4] == 'never' then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[5], cjson.encode({op = 'put', id = ARGV[1], version = version}))
return {ARGV[2], version}
`;

const LIFT = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[2], cjson.encode({op = 'lift', id = ARGV[1], version = version}))
return version
`;

// Every process drops expired entries from its own memory by the clock; this removes
// them from Redis too, a bounded batch at a time (any process may run it, twice is harmless).
const TIDY = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 500)
if #ids > 0 then
  redis.call('HDEL', KEYS[1], unpack(ids))
  redis.call('ZREM', KEYS[2], unpack(ids))
end
return #ids
`;

interface Scripts {
  gatehouseRevocationPut(
    hash: string,
    drop: string,
    version: string,
    id: string,
    json: string,
    bound: string,
    dropAt: string,
    channel: string,
    maxEntries: string,
    overwrite: string,
  ): Promise<[string, number]>;
  gatehouseRevocationLift(hash: string, drop: string, version: string, id: string, channel: string): Promise<number>;
  gatehouseRevocationTidy(hash: string, drop: string, now: string): Promise<number>;
}

/** What an entry id looks like (revocationId): anything else in an announcement is not ours. */
const ENTRY_ID = /^(jti|sub)_[A-Za-z0-9_-]{22}$/;
/** How often the subscription is checked (PING): a silently dead connection would lose announcements. */
const PING_EVERY_MS = 5000;

/**
 * Several processes (REDIS_URL): the set lives in Redis, every change is announced
 * on a channel, and every process holds the whole set in memory, so checking a token
 * never waits for Redis.
 *
 * Redis is the only source of truth. An announcement names an entry id and nothing
 * more is believed from it: the process reads that entry from Redis (HGET) and holds
 * what Redis holds, the entry or nothing. A forged or foreign message can at most make
 * a process read one key again. Every read of an entry goes through one connection,
 * whose replies come in the order of the requests and are applied as they come, so
 * the last read applied is the newest: the set held converges on Redis's, whatever
 * order the announcements arrive in. A process's own writes are applied the same way.
 *
 * The keys (REDIS_PREFIX) and the channel (REDIS_PREFIX and the database number) are
 * this deployment's own: deployments sharing a Redis never see each other's entries.
 *
 * The set is (re)loaded whenever the subscription is (re)established: subscribe
 * first, then read the hash (HSCAN, in batches: Redis is never blocked for long),
 * noting the ids announced meanwhile and reading them again after the snapshot.
 */
export class RedisRevocationStore implements RevocationStore {
  readonly description: string;
  private readonly logger = new Logger('Revocation');
  private readonly scripts: Scripts;
  private readonly hash: string;
  private readonly dropTimes: string;
  private readonly version: string;
  private readonly channel: string;
  private sink: RevocationSink | undefined;
  private why: string | undefined = 'not loaded from Redis yet';
  /** Ids announced while a snapshot is being read: read again after it. */
  private pending: Set<string> | undefined;
  private loading: Promise<void> | undefined;
  private loadAgain = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The whole set has been loaded once. */
  loaded = false;
  private firstLoaded: () => void = () => undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly retention: Retention,
    private readonly maxEntries: number,
  ) {
    this.hash = redis.key('revocations'); // id → entry JSON
    this.dropTimes = redis.key('revocations:drop'); // sorted set: id by drop time
    this.version = redis.key('revocations:version'); // one number per write: Redis has held data
    this.channel = redis.channel('revocations');
    this.description = `Redis at ${redis.description} (keys ${redis.prefix}*, channel ${this.channel})`;
    const commands = redis.commands;
    commands.defineCommand('gatehouseRevocationPut', { numberOfKeys: 3, lua: PUT });
    commands.defineCommand('gatehouseRevocationLift', { numberOfKeys: 3, lua: LIFT });
    commands.defineCommand('gatehouseRevocationTidy', { numberOfKeys: 2, lua: TIDY });
    this.scripts = commands as unknown as Scripts;
  }

  get staleness(): string | undefined {
    return this.why;
  }

  async start(sink: RevocationSink, waitMs: number): Promise<void> {
    this.sink = sink;
    const { subscriber, commands } = this.redis;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.announced(message);
    });
    // Announcements may have been missed while the connection was down: load everything again.
    subscriber.on('close', () => this.lost('Redis is unreachable'));
    commands.on('close', () => this.lost('Redis is unreachable'));
    subscriber.on('ready', () => this.reload());
    commands.on('ready', () => this.reload());
    this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
    this.pingTimer.unref();
    const loaded = new Promise<void>((resolve) => (this.firstLoaded = resolve));
    this.reload();
    // A Redis that is down at startup must not stop the process from starting: it serves
    // (readiness says revocations are not loaded) and loads them as soon as Redis answers.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([loaded, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    if (this.why !== undefined) this.logger.warn(`revocations not loaded yet (${this.description} unreachable): starting with none`);
  }

  /**
   * Stores the entry and answers what Redis stored, read back and checked: an answer
   * never shows an entry that Redis does not hold.
   */
  async add(entry: Revocation): Promise<Revocation> {
    let [stored, version] = await this.run(() => this.put(entry));
    if (version === -1) throw new RevocationsFull(this.maxEntries);
    if (version === 0 && !covers(parseStoredValue(stored), entry)) {
      // What Redis holds under this id is not a readable entry that covers the request
      // (written by something else): replace that very value, not whatever is there by now.
      this.logger.warn(`${this.hash} field ${entry.id} held a value that is not a revocation entry: replaced`);
      [stored, version] = await this.run(() => this.put(entry, stored));
      if (version === -1) throw new RevocationsFull(this.maxEntries);
    }
    const result = parseStoredValue(stored);
    if (!covers(result, entry)) throw new StoreUnavailable('Redis did not store the revocation');
    await this.run(() => this.refresh(entry.id));
    return result;
  }

  async remove(id: string): Promise<boolean> {
    const version = await this.run(() => this.scripts.gatehouseRevocationLift(this.hash, this.dropTimes, this.version, id, this.channel));
    if (version === 0) return false;
    await this.run(() => this.refresh(id));
    return true;
  }

  async tidy(now: number): Promise<void> {
    if (!this.redis.ready) return;
    try {
      while ((await this.scripts.gatehouseRevocationTidy(this.hash, this.dropTimes, String(now))) === 500);
    } catch (error) {
      this.logger.warn(`could not remove expired revocations from Redis: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pingTimer);
    await this.loading;
  }

  private put(entry: Revocation, overwrite = ''): Promise<[string, number]> {
    const dropAt = dropTimeOf(entry, this.retention);
    return this.scripts.gatehouseRevocationPut(
      this.hash,
      this.dropTimes,
      this.version,
      entry.id,
      JSON.stringify(entry),
      String(boundOf(entry)),
      Number.isFinite(dropAt) ? String(dropAt) : 'never',
      this.channel,
      String(this.maxEntries),
      overwrite,
    );
  }

  /** A write, or StoreUnavailable: nothing is accepted that is not stored. */
  private async run<T>(write: () => Promise<T>): Promise<T> {
    if (this.redis.commands.status !== 'ready') throw new StoreUnavailable('Redis is unreachable');
    try {
      return await write();
    } catch (error) {
      if (error instanceof RevocationsFull || error instanceof StoreUnavailable) throw error;
      this.logger.warn(`revocation write failed: ${(error as Error).message}`);
      throw new StoreUnavailable('Redis is unreachable');
    }
  }

  /**
   * Reads one entry from Redis and holds what Redis holds under its id: the entry, or
   * nothing. Replies on the one connection come in request order, so reads applied
   * here are applied oldest first.
   */
  private async refresh(id: string): Promise<void> {
    const value = await this.redis.commands.hget(this.hash, id);
    if (this.pending !== undefined) {
      this.pending.add(id); // a snapshot is being read: applied after it, read again
      return;
    }
    this.apply(id, value);
  }

  private apply(id: string, value: string | null): void {
    const entry = value === null ? undefined : parseStoredValue(value);
    if (entry !== undefined && entry.id === id) {
      this.sink?.put(entry);
    } else {
      if (value !== null) this.logger.warn(`${this.hash} field ${id} is not a revocation entry: not applied`);
      this.sink?.remove(id);
    }
  }

  /** An announcement: only the id it names is used, to read that entry from Redis. */
  private announced(message: string): void {
    let id: unknown;
    try {
      id = (JSON.parse(message) as { id?: unknown } | null)?.id;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'string' || !ENTRY_ID.test(id)) {
      this.logger.warn(`ignored an announcement on ${this.channel}: it names no entry id`);
      return;
    }
    this.follow(id);
  }

  /** Holds what Redis holds under `id` (read now, or after the snapshot being read). */
  private follow(id: string): void {
    if (this.pending !== undefined) {
      this.pending.add(id);
      return;
    }
    this.refresh(id).catch((error: unknown) => {
      // The connection went away: the set is loaded again in full when it is back.
      this.lost('Redis is unreachable');
      this.logger.warn(`could not read revocation ${id} from Redis: ${(error as Error).message}`);
    });
  }

  private lost(why: string): void {
    if (this.closed || this.why !== undefined) return;
    this.why = why;
  }

  /** Loads the whole set (again); one load at a time, another one after it if asked meanwhile. */
  private reload(): void {
    if (this.closed) return;
    if (this.loading) {
      this.loadAgain = true;
      return;
    }
    if (!this.redis.ready) return;
    this.loading = this.load().finally(() => {
      this.loading = undefined;
      if (this.loadAgain) {
        this.loadAgain = false;
        this.reload();
      }
    });
  }

  private async load(): Promise<void> {
    const { subscriber } = this.redis;
    this.pending = new Set();
    try {
      await subscriber.subscribe(this.channel);
      let entries = await this.snapshot();
      if (entries.length === 0) entries = await this.restoreIfLost();
      this.sink?.replaceAll(entries);
      // Ids announced while the snapshot was read: read again now, after it, in order.
      const again = this.pending;
      this.pending = undefined;
      for (const id of again) this.follow(id);
      const recovered = this.loaded;
      this.loaded = true;
      this.why = undefined;
      if (recovered) this.logger.log(`revocations reloaded from ${this.description}: ${entries.length} held`);
      else this.logger.log(`${entries.length} revocation(s) loaded from ${this.description}`);
      this.firstLoaded();
    } catch (error) {
      this.pending = undefined;
      this.why ??= 'Redis is unreachable';
      this.logger.warn(`could not load revocations from ${this.description}: ${(error as Error).message}`);
      // Still connected (a timeout, say): no 'ready' event will come to try again.
      setTimeout(() => this.reload(), 1000).unref();
    }
  }

  /**
   * Redis came back empty and without the version counter that every write leaves:
   * it lost its data (no persistence, or a new server). The entries this process
   * holds are written back rather than forgotten (several processes doing it at once
   * is harmless: writes merge). What it holds came from Redis only (read from there,
   * never taken from a message), so nothing is written back that Redis never held.
   * A Redis that never held any finds nothing to restore.
   */
  private async restoreIfLost(): Promise<Revocation[]> {
    const now = Math.floor(Date.now() / 1000);
    const mine = [...(this.sink?.held() ?? [])].filter((entry) => now < dropTimeOf(entry, this.retention));
    if (mine.length === 0 || (await this.redis.commands.exists(this.version)) === 1) return [];
    this.logger.error(
      `${this.description} holds no revocations any more (restarted without persistence?): writing back the ${mine.length} held here`,
    );
    const written = await Promise.all(mine.map((entry) => this.put(entry)));
    return written.flatMap(([stored]) => parseStoredValue(stored) ?? []);
  }

  /** Every entry in the hash, read in batches. */
  private async snapshot(): Promise<Revocation[]> {
    const entries: Revocation[] = [];
    let cursor = '0';
    do {
      const [next, fields] = await this.redis.commands.hscan(this.hash, cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < fields.length; i += 2) {
        const entry = parseStoredValue(fields[i + 1]);
        if (entry === undefined || entry.id !== fields[i])
          this.logger.warn(`skipped ${this.hash} field ${fields[i]}: not a revocation entry`);
        else entries.push(entry);
      }
    } while (cursor !== '0');
    return entries;
  }

  /** Every few seconds: a subscription that no longer answers is dropped and made again (then reloaded). */
  private ping(): void {
    const { subscriber } = this.redis;
    if (subscriber.status !== 'ready') return;
    subscriber.ping().catch(() => {
      this.lost('Redis is not answering');
      subscriber.disconnect(true);
    });
  }
}

function parseStoredValue(value: string): Revocation | undefined {
  try {
    return parseStoredRevocation(JSON.parse(value));
  } catch {
    return undefined;
  }
}

/** `stored` is an entry of the same id that revokes at least what `wanted` asks. */
function covers(stored: Revocation | undefined, wanted: Revocation): stored is Revocation {
  return stored !== undefined && stored.id === wanted.id && boundOf(stored) >= boundOf(wanted);
}
