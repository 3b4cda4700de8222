import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { loadOptionalPeer } from '../options/optional-peer.js';

/**
 * One process's two connections to the Redis that several Gatehouse processes share
 * (REDIS_URL): one for commands, one subscribed to announcements (a subscribed
 * connection can do nothing else).
 *
 * ioredis reconnects on its own, with backoff, for as long as the process runs, and
 * resubscribes its channels. Commands do not wait in a queue while Redis is away:
 * they fail at once (enableOfflineQueue: false), so an admin write answers 503 and
 * the failure limit falls back to this process's count instead of hanging.
 */
export class RedisConnection implements OnApplicationShutdown {
  readonly commands: Redis;
  readonly subscriber: Redis;
  /** host:port/db, for logs: never the password. */
  readonly description: string;
  /**
   * What starts every key and channel name of this deployment (REDIS_PREFIX). Keys are
   * per database already; channels are not (pub/sub ignores the database), so a
   * channel name also carries the database number: see channel().
   */
  readonly prefix: string;
  private readonly logger = new Logger('Redis');
  private reachable: boolean | undefined;

  /**
   * Connects (in the background: ioredis retries until Redis answers). ioredis is an
   * optional peer, loaded only by apps that use Redis; `whatNeedsIt` names the option
   * (REDIS_URL, `redis`) in the line that says to install it when it is missing.
   */
  static open(url: string, prefix: string, whatNeedsIt = 'REDIS_URL (redisUrl)'): Promise<RedisConnection> {
    const { Redis } = loadOptionalPeer<typeof import('ioredis')>('ioredis', whatNeedsIt);
    return Promise.resolve(new RedisConnection(url, prefix, Redis));
  }

  private constructor(url: string, prefix: string, RedisClient: typeof Redis) {
    this.prefix = prefix;
    const parsed = new URL(url);
    this.description = `${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
    const options: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 2000,
      // Back off to one attempt a second: a returning Redis is found within about a second.
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    };
    this.commands = new RedisClient(url, { ...options, connectionName: 'gatehouse' });
    this.subscriber = new RedisClient(url, { ...options, connectionName: 'gatehouse-subscriber' });
    for (const client of [this.commands, this.subscriber]) {
      // Without a listener an error event would end the process; the state change is what matters.
      client.on('error', (error: Error) => this.changed(false, error.message));
      client.on('close', () => this.changed(false, 'connection closed'));
      client.on('ready', () => {
        if (this.ready) this.changed(true, undefined);
      });
    }
  }

  /** The database number this deployment uses (the URL's /db, default 0), as ioredis read it. */
  get db(): number {
    return this.commands.options.db ?? 0;
  }

  /** The name of a key of this deployment. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /**
   * The name of a channel of this deployment: Redis delivers a message to every
   * subscriber of its name whatever database they use, so the name carries the
   * database number as well as the prefix. The number comes last, after a fixed word:
   * no other prefix and number make the same name.
   */
  channel(name: string): string {
    return `${this.prefix}${name}:db${this.db}`;
  }

  /** Both connections are up: commands can run and announcements arrive. */
  get ready(): boolean {
    return this.commands.status === 'ready' && this.subscriber.status === 'ready';
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.reachable = undefined;
    await Promise.all(
      [this.commands, this.subscriber].map((client) =>
        client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : Promise.resolve(client.disconnect()),
      ),
    );
  }

  /** One log line per change (lost, back), not one per reconnection attempt. */
  private changed(reachable: boolean, why: string | undefined): void {
    if (reachable === this.reachable) return;
    // Before the first connection (or after close()) a closed socket says nothing new.
    if (!reachable && this.reachable === undefined && why === 'connection closed') return;
    this.reachable = reachable;
    if (reachable) this.logger.log(`connected to Redis at ${this.description}`);
    else this.logger.warn(`Redis at ${this.description} is unreachable (${why}): serving with what this process holds; retrying`);
  }
}
