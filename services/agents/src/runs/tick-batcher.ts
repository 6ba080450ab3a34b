/**
 * Gathers the items added during one turn of the event loop and hands them to `write` together, once
 * the turn is over; each `add` settles as its batch does. Runs run in step with each other (a model
 * answers many of them at about the same time), so their writes come in bursts: one statement for a
 * burst costs one round trip and one pool connection instead of one each. Small enough not to warrant
 * a dependency (DataLoader batches the same way, but for keyed reads with a cache).
 */
export class TickBatcher<T> {
  private pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly write: (items: readonly T[]) => Promise<void>) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(this.flush);
      this.pending.push({ item, resolve, reject });
    });
  }

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = [];
    let written: Promise<void>;
    try {
      written = this.write(batch.map((entry) => entry.item));
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      () => batch.forEach((entry) => entry.resolve()),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  };
}
