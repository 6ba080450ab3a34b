import type { Logger } from '@nestjs/common';

const REPORT_EVERY_MS = 10_000;

/**
 * Both limiters fail open: when Redis cannot be asked (down, or slower than REDIS_TIMEOUT_MS), the
 * request or stream goes ahead unlimited. Redis holds no user data here, and authentication works
 * without it (API keys fall back to the database), so failing closed would turn a Redis blip into an
 * outage of the whole API, streams included, to protect against a flood that is unlikely during it;
 * per-user budgets still bound spend. Each limiter says so in the log, at most every ten seconds.
 */
export class FailOpenReporter {
  private suppressed = 0;
  private lastReportAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  report(error: unknown): void {
    const now = Date.now();
    if (now - this.lastReportAt < REPORT_EVERY_MS) {
      this.suppressed += 1;
      return;
    }
    const more = this.suppressed > 0 ? ` (and ${this.suppressed} more since the last report)` : '';
    this.logger.warn(`${this.what} not enforced, Redis unavailable: ${String(error)}${more}`);
    this.lastReportAt = now;
    this.suppressed = 0;
  }
}

/** How long a limiter waits for Redis before letting the request through. */
export const REDIS_TIMEOUT_MS = 500;
