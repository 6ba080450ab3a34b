import type { NatsConnection, PublishOptions } from 'nats';

interface Pending {
  subject: string;
  data: Uint8Array;
  options: PublishOptions | undefined;
}

/**
 * Publishes in batches, in order. The NATS client writes to its socket once per microtask checkpoint,
 * so publishes made from separate I/O callbacks (one provider chunk each, across many streams) would
 * each cost a socket write, and on loopback a write costs tens of microseconds of both this process's
 * and the server's CPU. Here a message goes out at the end of the current turn of the event loop, or,
 * when the last write was less than `minIntervalMs` ago, that long after it: a quiet stream's event
 * leaves at once, while under load the writes are paced and each carries every message held meanwhile.
 */
export class CoalescingPublisher {
  private pending: Pending[] = [];
  private scheduled = false;
  private lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly connection: NatsConnection,
    private readonly onError: (error: unknown, subject: string) => void,
    private readonly minIntervalMs = 1,
  ) {}

  publish(subject: string, data: Uint8Array, options?: PublishOptions): void {
    this.pending.push({ subject, data, options });
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastFlushAt + this.minIntervalMs - performance.now();
    if (wait <= 0) setImmediate(this.flush);
    else setTimeout(this.flush, wait);
  }

  /** Publishes whatever is held, now (also before the connection drains or closes). */
  readonly flush = (): void => {
    this.scheduled = false;
    this.lastFlushAt = performance.now();
    const batch = this.pending;
    this.pending = [];
    for (const message of batch) {
      try {
        this.connection.publish(message.subject, message.data, message.options);
      } catch (error) {
        // The connection is closing or closed: the stream's consumer notices the silence (its watchdog).
        this.onError(error, message.subject);
      }
    }
  };
}
