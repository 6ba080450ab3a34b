import { Sema } from 'async-sema';
import { DomainError, ErrorCode } from '@conduit/contracts';

/** A client told to come back when the queue is full; a slot frees within one hash, well under a second. */
export const HASHING_BUSY_RETRY_AFTER_MS = 1_000;

/**
 * Bounds the password hashes in flight. scrypt runs on libuv's thread pool, which DNS lookups and file
 * reads share: a flood of sign-ins would otherwise take every thread and make the rest of the process
 * wait. Beyond `concurrency` hashes, up to `queueLimit` more wait their turn; past that the caller is
 * refused at once (503 with Retry-After) instead of piling up memory and latency.
 */
export class HashingSlots {
  private readonly semaphore: Sema;
  /** Admitted and not finished: running or waiting. Counted before waiting, so a burst in one tick is bounded too. */
  private admitted = 0;
  private running = 0;

  constructor(
    readonly concurrency: number,
    readonly queueLimit: number,
  ) {
    this.semaphore = new Sema(concurrency);
  }

  /** Hashes in progress now. */
  get inProgress(): number {
    return this.running;
  }

  /** Hashes waiting for a slot now. */
  get queued(): number {
    return this.admitted - this.running;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.admitted >= this.concurrency + this.queueLimit) throw hashingBusy();
    this.admitted += 1;
    await this.semaphore.acquire();
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.admitted -= 1;
      this.semaphore.release();
    }
  }
}

function hashingBusy(): DomainError {
  return new DomainError(
    ErrorCode.ServiceUnavailable,
    'Too many sign-ins are being checked right now; retry shortly',
    { retryAfterMs: HASHING_BUSY_RETRY_AFTER_MS },
  );
}
