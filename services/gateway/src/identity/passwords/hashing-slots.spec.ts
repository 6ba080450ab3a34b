import { DomainError, ErrorCode } from '@conduit/contracts';
import { HASHING_BUSY_RETRY_AFTER_MS, HashingSlots } from './hashing-slots';

/** A job that stays running until told to finish, recording how many jobs ran at once. */
function controlledJobs() {
  let running = 0;
  let peak = 0;
  const finishers: (() => void)[] = [];
  const job = () =>
    new Promise<void>((resolve) => {
      running += 1;
      peak = Math.max(peak, running);
      finishers.push(() => {
        running -= 1;
        resolve();
      });
    });
  return { job, finishers, peak: () => peak, running: () => running };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('HashingSlots', () => {
  it('runs at most `concurrency` at once, queues up to `queueLimit`, and refuses the rest at once with 503 and a retry hint', async () => {
    const slots = new HashingSlots(2, 3);
    const jobs = controlledJobs();
    const outcomes = Array.from({ length: 10 }, () =>
      slots.run(jobs.job).then(
        () => 'done',
        (error: unknown) => error,
      ),
    );
    await settle();
    expect(jobs.running()).toBe(2);
    expect(slots.inProgress).toBe(2);
    expect(slots.queued).toBe(3);

    const refused = (await Promise.all(outcomes.slice(5))) as DomainError[];
    expect(refused).toHaveLength(5);
    for (const error of refused) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error.code).toBe(ErrorCode.ServiceUnavailable);
      expect(error.details).toEqual({ retryAfterMs: HASHING_BUSY_RETRY_AFTER_MS });
    }

    // Finishing jobs one at a time lets the queued ones in, never more than two at once.
    while (jobs.finishers.length > 0) {
      jobs.finishers.shift()?.();
      await settle();
      expect(jobs.running()).toBeLessThanOrEqual(2);
    }
    expect(await Promise.all(outcomes.slice(0, 5))).toEqual(Array(5).fill('done'));
    expect(jobs.peak()).toBe(2);
    expect(slots.inProgress).toBe(0);
    expect(slots.queued).toBe(0);
  });

  it('frees the slot of a job that failed', async () => {
    const slots = new HashingSlots(1, 0);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
