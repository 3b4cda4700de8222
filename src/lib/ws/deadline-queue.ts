// setTimeout cannot wait longer than this (about 24.8 days); the queue re-arms past it.
const MAX_DELAY_MS = 2 ** 31 - 1;

/** One scheduled call, as returned by DeadlineQueue.add(); cancel() takes it out. */
export class Deadline<T> {
  /** Position in the queue's heap; -1 once it has fired or been cancelled. */
  index = -1;

  constructor(
    readonly at: number,
    readonly item: T,
    private readonly queue: DeadlineQueue<T>,
  ) {}

  cancel(): void {
    this.queue.remove(this);
  }
}

/**
 * Calls `fire(item)` once `Date.now()` reaches each deadline, for any number of
 * deadlines with one timer in all: a binary heap ordered by time, and a setTimeout
 * for its earliest entry only. A Node timer per socket costs a few hundred bytes
 * (each distinct delay gets a timer list of its own); an entry here costs one small
 * object and a slot in an array, and cancelling it is O(log n).
 */
export class DeadlineQueue<T> {
  private readonly heap: Deadline<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly fire: (item: T) => void) {}

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `fire(item)` at epoch ms `at` (a time already past fires on the next turn). */
  add(at: number, item: T): Deadline<T> {
    const deadline = new Deadline(at, item, this);
    deadline.index = this.heap.length;
    this.heap.push(deadline);
    this.up(deadline.index);
    this.arm();
    return deadline;
  }

  remove(deadline: Deadline<T>): void {
    const index = deadline.index;
    if (index < 0 || this.heap[index] !== deadline) return;
    deadline.index = -1;
    const last = this.heap.pop()!;
    if (last !== deadline) {
      this.heap[index] = last;
      last.index = index;
      this.down(index);
      this.up(last.index);
    }
    // The timer is left armed: when it fires early it finds nothing due and re-arms.
  }

  /** Forgets every deadline and stops the timer (shutdown). */
  clear(): void {
    for (const deadline of this.heap) deadline.index = -1;
    this.heap.length = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private arm(): void {
    const head = this.heap[0];
    if (head === undefined || head.at >= this.timerAt) return;
    clearTimeout(this.timer);
    const delay = Math.min(Math.max(0, head.at - Date.now()), MAX_DELAY_MS);
    this.timerAt = head.at;
    this.timer = setTimeout(this.run, delay);
    // The sockets keep the process alive, not their deadlines.
    this.timer.unref();
  }

  private readonly run = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    try {
      while (this.heap.length > 0 && this.heap[0].at <= now) {
        const head = this.heap[0];
        this.remove(head);
        this.fire(head.item);
      }
    } finally {
      // A callback that throws fails as a timer callback would, and the rest still run.
      this.arm();
    }
  };

  private up(index: number): void {
    const heap = this.heap;
    const entry = heap[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (parent.at <= entry.at) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const entry = heap[index];
    for (;;) {
      let smallest = index;
      const left = 2 * index + 1;
      const right = left + 1;
      let smallestAt = entry.at;
      if (left < length && heap[left].at < smallestAt) {
        smallest = left;
        smallestAt = heap[left].at;
      }
      if (right < length && heap[right].at < smallestAt) smallest = right;
      if (smallest === index) break;
      heap[index] = heap[smallest];
      heap[index].index = index;
      index = smallest;
    }
    heap[index] = entry;
    entry.index = index;
  }
}
