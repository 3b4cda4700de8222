import { settle } from './settle.js';

describe('settle', () => {
  const twice = (n: number): number | string => n * 2;
  const failed = (error: unknown) => `failed: ${(error as Error).message}`;

  it('a plain value is settled in this turn, without a promise', () => {
    expect(settle(() => 21, twice, failed)).toBe(42);
  });

  it('a promise is settled once it resolves', async () => {
    const result = settle(() => Promise.resolve(21), twice, failed);
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toBe(42);
  });

  it('a throw and a rejection both go to onError', async () => {
    expect(
      settle(
        () => {
          throw new Error('boom');
        },
        twice,
        failed,
      ),
    ).toBe('failed: boom');
    expect(await settle(() => Promise.reject(new Error('later')), twice, failed)).toBe('failed: later');
  });

  it('what onValue throws is not onError business', () => {
    const onError = vi.fn(failed);
    expect(() =>
      settle(
        () => 1,
        () => {
          throw new Error('bug');
        },
        onError,
      ),
    ).toThrow('bug');
    expect(onError).not.toHaveBeenCalled();
  });
});
