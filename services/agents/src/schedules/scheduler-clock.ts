/**
 * Where the scheduler reads the time: the system clock in production; a clock the tests move, so slots
 * come due without anyone waiting for them.
 */
export interface SchedulerClock {
  now(): Date;
}

export const SCHEDULER_CLOCK = Symbol('SCHEDULER_CLOCK');

export const systemClock: SchedulerClock = { now: () => new Date() };
