import type Redis from 'ioredis';
import type { RLWrapperTimeouts } from 'rate-limiter-flexible';
import { sharedLimiter } from '@conduit/service-kit';
import { backoffSeconds } from './backoff';

/** Failures in a row are remembered this long after the first; a day without a success starts over after that. */
const FAILURE_MEMORY_SECONDS = 24 * 3600;

/**
 * Failed sign-ins in a row per subject (an account, or an account from one address), and the block each
 * failure past the free ones earns (see {@link backoffSeconds}). A success clears the count.
 */
export class FailureBackoff {
  private readonly failures: RLWrapperTimeouts;
  private readonly blocks: RLWrapperTimeouts;

  constructor(
    redis: Redis,
    name: string,
    private readonly free: number,
    private readonly maxSeconds: number,
  ) {
    // Only counted (with `penalty`, which never refuses): the points are never spent against.
    this.failures = sharedLimiter(redis, {
      keyPrefix: `sign-in:${name}:failures`,
      points: Number.MAX_SAFE_INTEGER,
      duration: FAILURE_MEMORY_SECONDS,
    });
    this.blocks = sharedLimiter(redis, { keyPrefix: `sign-in:${name}:blocked`, points: 1, duration: 1 });
  }

  /** Milliseconds until `subject` may try again; 0 when it is not blocked. */
  async blockedForMs(subject: string): Promise<number> {
    const block = await this.blocks.get(subject);
    return block && block.consumedPoints > 1 ? Math.max(1, block.msBeforeNext) : 0;
  }

  async failed(subject: string): Promise<void> {
    const { consumedPoints } = await this.failures.penalty(subject, 1);
    const seconds = backoffSeconds(consumedPoints, this.free, this.maxSeconds);
    if (seconds > 0) await this.blocks.block(subject, seconds);
  }

  async succeeded(subject: string): Promise<void> {
    await this.failures.delete(subject);
  }
}
