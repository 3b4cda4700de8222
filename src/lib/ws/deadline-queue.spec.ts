import { DeadlineQueue } from './deadline-queue.js';

describe('DeadlineQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('fires each item at its time, in time order, whatever the order they were added in', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue<string>((item) => fired.push(item));
    for (const [at, item] of [
      [300, 'c'],
      [100, 'a'],
      [200, 'b'],
      [100, 'a2'],
    ] as const)
      queue.add(1_000_000 + at, item);
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired.sort()).toEqual(['a', 'a2']);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual(['a', 'a2', 'b', 'c']);
    expect(queue.size).toBe(0);
  });

  it('a cancelled deadline never fires, and the others still do', () => {
    const fired: number[] = [];
    const queue = new DeadlineQueue<number>((item) => fired.push(item));
    const deadlines = Array.from({ length: 50 }, (_, i) => queue.add(1_000_000 + ((i * 37) % 50) + 1, i));
    for (const deadline of deadlines.filter((_, i) => i % 3 === 0)) deadline.cancel();
    deadlines[3].cancel(); // twice: no effect
    vi.advanceTimersByTime(100);
    expect(fired.sort((a, b) => a - b)).toEqual(deadlines.map((_, i) => i).filter((i) => i % 3 !== 0));
  });

  it('a time already past fires on the next turn, not synchronously', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue<string>((item) => fired.push(item));
    queue.add(1_000_000 - 5000, 'late');
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(fired).toEqual(['late']);
  });

  it('an earlier deadline added later re-arms the one timer', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue<string>((item) => fired.push(item));
    queue.add(1_000_000 + 10_000, 'later');
    queue.add(1_000_000 + 10, 'sooner');
    vi.advanceTimersByTime(10);
    expect(fired).toEqual(['sooner']);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('waits past what one setTimeout can (about 24.8 days)', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue<string>((item) => fired.push(item));
    const days30 = 30 * 86_400_000;
    queue.add(1_000_000 + days30, 'far');
    vi.advanceTimersByTime(days30 - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['far']);
  });

  it('clear() forgets everything and stops the timer', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue<string>((item) => fired.push(item));
    const deadline = queue.add(1_000_000 + 10, 'x');
    queue.clear();
    deadline.cancel();
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
