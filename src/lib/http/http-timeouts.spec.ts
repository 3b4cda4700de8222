import { ConfigurationError } from '../options/configuration-error.js';
import { HTTP_TIMEOUT_DEFAULTS, resolveHttpTimeouts } from './http-timeouts.js';

describe('resolveHttpTimeouts', () => {
  it('defaults: 10 s for a request head, 72 s idle between requests, 300 s for a whole request', () => {
    expect(resolveHttpTimeouts()).toEqual({ headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, requestTimeoutMs: 300_000 });
    expect(resolveHttpTimeouts({})).toEqual(HTTP_TIMEOUT_DEFAULTS);
  });

  it('every bad option at once, each named', () => {
    let error: unknown;
    try {
      resolveHttpTimeouts({ headersTimeoutMs: 0, keepAliveTimeoutMs: 1.5, requestTimeoutMs: -1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).lines).toEqual([
      'headersTimeoutMs has invalid value: 0. Must be a whole number from 1 to 2147483647',
      'keepAliveTimeoutMs has invalid value: 1.5. Must be a whole number from 1 to 2147483647',
      'requestTimeoutMs has invalid value: -1. Must be a whole number from 0 to 2147483647',
    ]);
  });

  it('a whole-request limit shorter than the head limit is refused; 0 turns it off', () => {
    expect(() => resolveHttpTimeouts({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).toThrow(
      'requestTimeoutMs has invalid value: 1000. Must be 0 or at least headersTimeoutMs (5000)',
    );
    expect(resolveHttpTimeouts({ requestTimeoutMs: 0 }).requestTimeoutMs).toBe(0);
  });
});
