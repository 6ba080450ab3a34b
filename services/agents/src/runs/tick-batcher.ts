export interface TickBatcherOptions {
  /**
   * Write once the I/O that is waiting now has been handled (the next poll of the event loop), instead
   * of at the end of this turn: for work off the path of whatever that I/O answers (another run's model
   * response, a statement's result), which then goes first.
   */
  yieldToIo?: boolean;
}

/**
 * Gathers the items added during one turn of the event loop and hands them to `write` together, once
 * the turn is over; each `add` settles with its item's result (`write` answers one per item, in order),
 * or with the batch's error. Runs run in step with each other (a model answers many of them at about
 * the same time), so their writes come in bursts: one statement for a burst costs one round trip and
 * one pool connection instead of one each. Small enough not to warrant a dependency (DataLoader batches
 * the same way, but for keyed reads with a cache).
 */
export class TickBatcher<T, R = void> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private readonly schedule: () => void;

  constructor(
    private readonly write: (items: readonly T[]) => Promise<readonly R[]>,
    options: TickBatcherOptions = {},
  ) {
    // An immediate queued by an immediate runs in the next turn's check phase, after its poll for I/O.
    this.schedule = options.yieldToIo
      ? () => setImmediate(() => setImmediate(this.flush))
      : () => setImmediate(this.flush);
  }

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) this.schedule();
      this.pending.push({ item, resolve, reject });
    });
  }

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = [];
    let written: Promise<readonly R[]>;
    try {
      written = this.write(batch.map((entry) => entry.item));
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      (results) => batch.forEach((entry, i) => entry.resolve(results[i]!)),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  };
}
