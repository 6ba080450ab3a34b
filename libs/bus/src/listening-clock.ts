export interface ListeningClockOptions {
  /**
   * How late a tick may come before the delay counts as a stall: ordinary timer jitter on a busy
   * machine is the peer's time, not ours. 100 ms by default.
   */
  toleranceMs?: number;
  /** The wall clock (injected by tests). */
  now?: () => number;
}

/**
 * Time as a heartbeat watchdog should count it: the wall clock minus the spans when this process's own
 * event loop was stalled (a busy machine, a long garbage collection, a blocking call). While the loop is
 * stalled, the peer's messages wait unread in the socket; counting that time as the peer's silence would
 * end healthy conversations. After a stall, timers run before the queued messages are read, so the
 * watchdog's tick is exactly where the blame would fall.
 *
 * The clock learns of stalls from the watchdog's own periodic tick: one that fires later than its
 * interval plus the tolerance means the loop was stalled for the excess, which is added to `stalledMs`.
 * Call {@link start} when the watchdog's timer is armed, stamp the peer's activity with {@link now}, and
 * compare on each {@link tick}. Listening time never runs backwards, and advances by at least the
 * interval per tick, so a silent peer is still noticed within the timeout's number of ticks however busy
 * the machine is.
 */
export class ListeningClock {
  private readonly toleranceMs: number;
  private readonly wall: () => number;
  private stalled = 0;
  /** The last tick, or when the timer was armed; null while no timer runs. */
  private lastTickAt: number | null = null;

  constructor(
    private readonly intervalMs: number,
    options: ListeningClockOptions = {},
  ) {
    this.toleranceMs = options.toleranceMs ?? 100;
    this.wall = options.now ?? Date.now;
  }

  /** How long this process has been stalled in all (wall time not counted as listening). */
  get stalledMs(): number {
    return this.stalled;
  }

  /** The watchdog's timer was armed (again): its ticks are expected from now on. */
  start(): void {
    this.lastTickAt = this.wall();
  }

  /** The timer was cleared: no tick is expected until {@link start}. */
  stop(): void {
    this.lastTickAt = null;
  }

  /** Called by the watchdog's timer on every tick; the listening time to compare activity against. */
  tick(): number {
    const at = this.wall();
    this.stalled += this.pendingStall(at);
    this.lastTickAt = at;
    return at - this.stalled;
  }

  /** The listening time now, to stamp the peer's activity with (a stall in progress counts already). */
  now(): number {
    const at = this.wall();
    return at - this.stalled - this.pendingStall(at);
  }

  private pendingStall(at: number): number {
    if (this.lastTickAt === null) return 0;
    return Math.max(0, at - this.lastTickAt - this.intervalMs - this.toleranceMs);
  }
}
