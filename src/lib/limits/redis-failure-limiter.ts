import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection.js';
import { COUNTED, COUNTED_AND_BLOCKED, failureKeyOf, FailureLimit, type FailureCount } from './failure-limit.js';
import type { FailureLimiter } from './failure-limiter.js';

// The same fixed window as FailureLimiter, shared by every process: a key per address
// that expires with its window. Over the limit: not counted, answered with the time
// left. One atomic round trip per failed authentication.
const COUNT = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then
  local left = redis.call('PTTL', KEYS[1])
  -- A count without an expiry would block for ever: give it its window.
  if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); left = tonumber(ARGV[2]) end
  return {0, failures, left}
end
failures = redis.call('INCR', KEYS[1])
if failures == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, failures, 0}
`;

interface Scripts {
  gatehouseCountFailure(key: string, limit: string, windowMs: string): Promise<[counted: 0 | 1, failures: number, leftMs: number]>;
}

/**
 * The failure limit of docs/protocol.md §10 across processes (REDIS_URL): failures
 * from one address count against one allowance wherever they land, so a load balancer
 * spreading an attacker's guesses over N processes does not multiply them by N.
 *
 * Only failures reach Redis: a valid token never waits for it. Each process also
 * counts in its own memory (`local`), and answers from there while Redis is
 * unreachable: the limit still holds, per process, with the failures it has seen.
 *
 * No table bound is needed here: each key expires with its window. IPv6 clients are
 * counted by their /64 network, as in memory (failureKeyOf).
 */
export class RedisFailureLimiter extends FailureLimit {
  readonly limit: number;
  readonly windowMs: number;
  /** This process's own count (it keeps one all along, for outages). */
  get trackedAddresses(): number {
    return this.local.trackedAddresses;
  }
  private readonly scripts: Scripts;
  private readonly logger = new Logger('Redis');
  /** `<REDIS_PREFIX>failures:`, then the address (keys are per database already). */
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly local: FailureLimiter,
  ) {
    super();
    this.limit = local.limit;
    this.windowMs = local.windowMs;
    this.keyPrefix = redis.key('failures:');
    redis.commands.defineCommand('gatehouseCountFailure', { numberOfKeys: 1, lua: COUNT });
    this.scripts = redis.commands as unknown as Scripts;
  }

  countFailure(address: string): FailureCount | Promise<FailureCount> {
    if (this.limit === 0) return COUNTED;
    if (this.redis.commands.status !== 'ready') return this.local.countFailure(address);
    return this.scripts.gatehouseCountFailure(this.keyPrefix + failureKeyOf(address), String(this.limit), String(this.windowMs)).then(
      ([counted, failures, leftMs]) => {
        if (counted === 0) return { retryAfterSeconds: Math.max(1, Math.ceil(leftMs / 1000)), blocked: false };
        // Counted here too, so that a Redis outage does not wipe the slate clean.
        this.local.recordFailure(address);
        return failures === this.limit ? COUNTED_AND_BLOCKED : COUNTED;
      },
      (error: unknown) => {
        this.logger.warn(`failure count in Redis failed (${(error as Error).message}): counted in this process`);
        return this.local.countFailure(address);
      },
    );
  }
}
