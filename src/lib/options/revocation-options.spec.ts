import { ConfigurationError } from './configuration-error.js';
import type { GatehouseOptions } from './gatehouse-options.js';
import { gatehouseSettingsFromEnv } from './options-from-env.js';
import { resolveOptions } from './resolve-options.js';

// The options of revocation and several processes (docs/protocol.md §11), as a module
// user and as the environment give them.

function errorsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return [...(error as ConfigurationError).lines];
  }
  throw new Error('expected a ConfigurationError');
}

const insecure = (extra: Record<string, unknown>) => ({ mode: 'insecure', ...extra }) as unknown as GatehouseOptions;

describe('revocation options', () => {
  it('keeps what is given, and false turns revocation off', () => {
    expect(
      resolveOptions(
        insecure({ revocation: { dataDir: '/var/lib/gatehouse', maxTokenLifetimeSeconds: 3600 }, redisUrl: 'redis://cache:6380/2' }),
        undefined,
        undefined,
      ),
    ).toMatchObject({
      revocation: { dataDir: '/var/lib/gatehouse', maxTokenLifetimeSeconds: 3600 },
      redisUrl: 'redis://cache:6380/2',
    });
    expect(resolveOptions(insecure({ revocation: false }), undefined, undefined).revocation).toBe(false);
  });

  it('names every bad value, and never quotes a Redis URL (it may hold a password)', () => {
    const lines = errorsOf(() =>
      resolveOptions(
        insecure({
          revocation: { dataDir: 7, maxTokenLifetimeSeconds: 5, maxEntries: 0, extra: 1 },
          redisUrl: 'http://user:hunter2@cache',
          redisPrefix: 'my app',
        }),
        undefined,
        undefined,
      ),
    );
    expect(lines).toEqual([
      'revocation.extra is not a Gatehouse option',
      'revocation.maxTokenLifetimeSeconds has invalid value: 5. Must be a whole number from 60 to 315360000',
      'revocation.dataDir has invalid value: 7. Must be a string',
      'revocation.maxEntries has invalid value: 0. Must be a whole number from 1 to 100000000',
      'redisUrl has invalid value. Must be a redis:// or rediss:// URL: redis://[[user]:password@]host[:port][/db]',
      'redisPrefix has invalid value: "my app". Must be 1 to 100 printable ASCII characters without spaces, such as "shop:"',
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
    expect(errorsOf(() => resolveOptions(insecure({ revocation: 'on' }), undefined, undefined))).toEqual([
      'revocation has invalid value: "on". Must be an object { dataDir, maxTokenLifetimeSeconds, maxEntries }, or false',
    ]);
  });

  it('reads GATEHOUSE_DATA_DIR, REVOCATION_MAX_TOKEN_LIFETIME_SECONDS, REVOCATION_MAX_ENTRIES, REDIS_URL and REDIS_PREFIX, naming them in errors', () => {
    const { settings } = gatehouseSettingsFromEnv({
      AUTH_MODE: 'insecure',
      GATEHOUSE_DATA_DIR: ' /data/gh ',
      REVOCATION_MAX_TOKEN_LIFETIME_SECONDS: '86400',
      REVOCATION_MAX_ENTRIES: '5000',
      REDIS_URL: 'rediss://:secret@redis.internal:6380',
      REDIS_PREFIX: 'shop:',
    });
    expect(settings.revocation).toEqual({ dataDir: '/data/gh', maxTokenLifetimeSeconds: 86400, maxEntries: 5000 });
    expect(settings.redisUrl).toBe('rediss://:secret@redis.internal:6380');
    expect(settings.redisPrefix).toBe('shop:');
    const lines = errorsOf(() =>
      gatehouseSettingsFromEnv({
        AUTH_MODE: 'insecure',
        REVOCATION_MAX_TOKEN_LIFETIME_SECONDS: '1h',
        REVOCATION_MAX_ENTRIES: 'lots',
        REDIS_URL: 'localhost:6379',
        REDIS_PREFIX: 'a\tb',
      }),
    );
    expect(lines).toEqual([
      'REVOCATION_MAX_TOKEN_LIFETIME_SECONDS has invalid value: "1h". Must be a whole number from 60 to 315360000',
      'REVOCATION_MAX_ENTRIES has invalid value: "lots". Must be a whole number from 1 to 100000000',
      'REDIS_URL has invalid value. Must be a redis:// or rediss:// URL: redis://[[user]:password@]host[:port][/db]',
      'REDIS_PREFIX has invalid value: "a\\tb". Must be 1 to 100 printable ASCII characters without spaces, such as "shop:"',
    ]);
  });
});
