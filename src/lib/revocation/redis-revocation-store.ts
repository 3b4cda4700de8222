import { Logger } from '@nestjs/common';
import { REDIS_PREFIX, type RedisConnection } from '../redis/redis-connection.js';
import { boundOf, dropTimeOf, parseStoredRevocation, type Retention, type Revocation } from './revocation.js';
import { parseRecord, type LogRecord } from './revocation-log.js';
import { StoreUnavailable, type RevocationSink, type RevocationStore } from './revocation-store.js';

const HASH = `${REDIS_PREFIX}revocations`; // id → entry JSON
const DROP_TIMES = `${REDIS_PREFIX}revocations:drop`; // sorted set: id by drop time
const VERSION = `${REDIS_PREFIX}revocations:version`; // one number per write, in Redis order
export const REVOCATION_CHANNEL = `${REDIS_PREFIX}revocations`;

// Each write is one script: atomic across processes, one round trip. It stores the
// entry (keeping the later exp or cut-off, as mergeRevocations does), indexes its drop
// time, numbers the write and announces it on the channel.
const PUT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  local bound = ok and type(decoded) == 'table' and (decoded['exp'] or decoded['before'])
  if type(bound) == 'number' and bound >= tonumber(ARGV[3]) then return {current, 0} end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[4] == 'never' then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[5], '{"op":"put","entry":' .. ARGV[2] .. ',"version":' .. version .. '}')
return {ARGV[2], version}
`;

const LIFT = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[2], '{"op":"lift","id":"' .. ARGV[1] .. '","version":' .. version .. '}')
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
  ): Promise<[string, number]>;
  gatehouseRevocationLift(hash: string, drop: string, version: string, id: string, channel: string): Promise<number>;
  gatehouseRevocationTidy(hash: string, drop: string, now: string): Promise<number>;
}

/** How long a write waits to see its own announcement before applying its result directly. */
const ANNOUNCEMENT_WAIT_MS = 2000;
/** How often the subscription is checked (PING): a silently dead connection would lose announcements. */
const PING_EVERY_MS = 5000;

/**
 * Several processes (REDIS_URL): the set lives in Redis, every change is announced
 * on a channel, and every process holds the whole set in memory, so checking a token
 * never waits for Redis.
 *
 * The set is (re)loaded whenever the subscription is (re)established: subscribe
 * first, then read the hash (HSCAN, in batches: Redis is never blocked for long),
 * holding back the announcements that arrive meanwhile and applying them after the
 * snapshot. Each announcement carries an entry's whole new state, in Redis's order,
 * so replaying them over any snapshot taken after the subscription ends in Redis's state.
 *
 * A process applies its own writes when their announcement comes back (it waits for
 * it), never out of order with other processes' writes.
 */
export class RedisRevocationStore implements RevocationStore {
  readonly description: string;
  private readonly logger = new Logger('Revocation');
  private readonly scripts: Scripts;
  private sink: RevocationSink | undefined;
  private why: string | undefined = 'not loaded from Redis yet';
  /** Announcements held back while a snapshot is being read. */
  private held: LogRecord[] | undefined;
  private loading: Promise<void> | undefined;
  private loadAgain = false;
  private lastVersion = 0;
  private readonly waiting = new Map<number, () => void>();
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The whole set has been loaded once. */
  loaded = false;
  private firstLoaded: () => void = () => undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly retention: Retention,
  ) {
    this.description = `Redis at ${redis.description}`;
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
      if (channel === REVOCATION_CHANNEL) this.announced(message);
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

  async add(entry: Revocation): Promise<Revocation> {
    const [stored, version] = await this.run(() => this.put(entry));
    const result = parseStoredRevocation(JSON.parse(stored)) ?? entry;
    if (version > 0) await this.applied(version, () => this.sink?.put(result));
    return result;
  }

  async remove(id: string): Promise<boolean> {
    const version = await this.run(() => this.scripts.gatehouseRevocationLift(HASH, DROP_TIMES, VERSION, id, REVOCATION_CHANNEL));
    if (version === 0) return false;
    await this.applied(version, () => this.sink?.remove(id));
    return true;
  }

  async tidy(now: number): Promise<void> {
    if (!this.redis.ready) return;
    try {
      while ((await this.scripts.gatehouseRevocationTidy(HASH, DROP_TIMES, String(now))) === 500);
    } catch (error) {
      this.logger.warn(`could not remove expired revocations from Redis: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pingTimer);
    for (const wake of this.waiting.values()) wake();
    await this.loading;
  }

  private put(entry: Revocation): Promise<[string, number]> {
    const dropAt = dropTimeOf(entry, this.retention);
    const dropText = Number.isFinite(dropAt) ? String(dropAt) : 'never';
    const json = JSON.stringify(entry);
    return this.scripts.gatehouseRevocationPut(
      HASH,
      DROP_TIMES,
      VERSION,
      entry.id,
      json,
      String(boundOf(entry)),
      dropText,
      REVOCATION_CHANNEL,
    );
  }

  /** A write, or StoreUnavailable: nothing is accepted that is not stored. */
  private async run<T>(write: () => Promise<T>): Promise<T> {
    if (this.redis.commands.status !== 'ready') throw new StoreUnavailable('Redis is unreachable');
    try {
      return await write();
    } catch (error) {
      this.logger.warn(`revocation write failed: ${(error as Error).message}`);
      throw new StoreUnavailable('Redis is unreachable');
    }
  }

  /** Resolves once announcement `version` has been applied here; applies `fallback` if it does not come in time. */
  private applied(version: number, fallback: () => void): Promise<void> {
    if (version <= this.lastVersion) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(version);
        fallback();
        resolve();
      }, ANNOUNCEMENT_WAIT_MS);
      this.waiting.set(version, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private announced(message: string): void {
    const record = parseRecord(message);
    if (typeof record === 'string') {
      this.logger.warn(`ignored an announcement on ${REVOCATION_CHANNEL}: ${record}`);
      return;
    }
    if (this.held !== undefined) this.held.push(record);
    else this.apply(record);
    const version = (JSON.parse(message) as { version?: unknown }).version;
    if (typeof version === 'number') this.seen(version);
  }

  private apply(record: LogRecord): void {
    if (record.op === 'put') this.sink?.put(record.entry);
    else this.sink?.remove(record.id);
  }

  /** Writes up to `version` have been announced here: their writers may answer. */
  private seen(version: number): void {
    if (version > this.lastVersion) this.lastVersion = version;
    if (this.held !== undefined) return; // answered once the snapshot and the held records are applied
    for (const [waiting, wake] of this.waiting) {
      if (waiting <= this.lastVersion) {
        this.waiting.delete(waiting);
        wake();
      }
    }
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
    this.held = [];
    // Versions restart if Redis lost its data; announcements from here on say where it is.
    this.lastVersion = 0;
    try {
      await subscriber.subscribe(REVOCATION_CHANNEL);
      let entries = await this.snapshot();
      if (entries.length === 0) entries = await this.restoreIfLost();
      this.sink?.replaceAll(entries);
      for (const record of this.held) this.apply(record);
      const recovered = this.loaded;
      this.loaded = true;
      this.why = undefined;
      this.held = undefined;
      this.seen(this.lastVersion);
      if (recovered) this.logger.log(`revocations reloaded from ${this.description}: ${entries.length} held`);
      else this.logger.log(`${entries.length} revocation(s) loaded from ${this.description}`);
      this.firstLoaded();
    } catch (error) {
      this.held = undefined;
      this.why ??= 'Redis is unreachable';
      this.logger.warn(`could not load revocations from ${this.description}: ${(error as Error).message}`);
      // Still connected (a timeout, say): no 'ready' event will come to try again.
      setTimeout(() => this.reload(), 1000).unref();
    }
  }

  /**
   * Redis came back empty and without the version counter that every write leaves:
   * it lost its data (no persistence, or a new server). The entries this process
   * held are written back rather than forgotten (several processes doing it at once
   * is harmless: writes merge). A Redis that never held any finds nothing to restore.
   */
  private async restoreIfLost(): Promise<Revocation[]> {
    const mine = [...(this.sink?.held() ?? [])];
    if (mine.length === 0 || (await this.redis.commands.exists(VERSION)) === 1) return [];
    this.logger.error(
      `${this.description} holds no revocations any more (restarted without persistence?): writing back the ${mine.length} held here`,
    );
    await Promise.all(mine.map((entry) => this.put(entry)));
    return mine;
  }

  /** Every entry in the hash, read in batches. */
  private async snapshot(): Promise<Revocation[]> {
    const entries: Revocation[] = [];
    let cursor = '0';
    do {
      const [next, fields] = await this.redis.commands.hscan(HASH, cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < fields.length; i += 2) {
        const entry = parseStoredValue(fields[i + 1]);
        if (entry === undefined) this.logger.warn(`skipped ${HASH} field ${fields[i]}: not a revocation entry`);
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
