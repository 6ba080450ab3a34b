import type { ListeningClock } from './listening-clock';

/**
 * One shared timer that visits many registered items, instead of a timer per stream: a gateway relays
 * thousands of streams, and re-arming a timer per token would cost more than the token itself.
 * With a {@link ListeningClock} (a watchdog's ticker), items are visited with its listening time, so
 * this process's own stalls are not counted against the peers it watches; otherwise with the wall clock.
 */
export class Ticker<T> {
  private readonly items = new Set<T>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly visit: (item: T, now: number) => void,
    private readonly clock: ListeningClock | null = null,
  ) {}

  add(item: T): void {
    this.items.add(item);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
      this.clock?.start();
    }
  }

  delete(item: T): void {
    this.items.delete(item);
    if (this.items.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.clock?.stop();
    }
  }

  get size(): number {
    return this.items.size;
  }

  /** A snapshot, safe to iterate while visiting removes items. */
  values(): T[] {
    return [...this.items];
  }

  private tick(): void {
    const now = this.clock ? this.clock.tick() : Date.now();
    for (const item of this.items) this.visit(item, now);
  }
}
