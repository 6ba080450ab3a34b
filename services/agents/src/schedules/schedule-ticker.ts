import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectConfig, ShutdownCoordinator, waitUntil } from '@conduit/service-kit';
import type { AgentsConfig } from '../config';
import { NotificationPublisher } from '../notifications/notification-publisher';
import { NotificationRetention } from '../notifications/notification-retention';
import { FireRunner } from './fire-runner';
import { SCHEDULER_CLOCK, type SchedulerClock } from './scheduler-clock';
import { ScheduleFireRepository, type DueSchedule } from './schedule-fire.repository';
import { dueSlots, type CatchUpRule, type DueSlots } from './schedule-timing';

/** Shortest sleep between passes, so a schedule due but held by another replica is not polled in a spin. */
const MIN_SLEEP_MS = 20;
/** Finished fires deleted per pass once past their retention. */
const PRUNE_BATCH = 1_000;
const PRUNE_EVERY_MS = 60_000;

/**
 * The scheduler of one replica. Every AGENTS_SCHEDULER_POLL_MS (sooner when a slot comes before) it claims the schedules that are due
 * (in batches, again at once while a batch comes back full), takes fires to run up to
 * AGENTS_SCHEDULER_CONCURRENCY, renews the leases of those in hand, publishes notifications whose event
 * was not acknowledged and deletes the records of fires past AGENTS_SCHEDULE_FIRE_RETENTION_MS and the
 * notifications past AGENTS_NOTIFICATION_RETENTION_MS. A finished run takes the next fire at once instead of waiting for a tick,
 * so a burst of due schedules runs as fast as the runs do. Postgres is the only coordination between
 * replicas (see ScheduleFireRepository), so every replica can run this.
 *
 * On shutdown it stops claiming and taking, lets the runs in hand finish within the grace period and
 * gives back what is left, for another replica to run at once.
 */
@Injectable()
export class ScheduleTicker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduleTicker.name);
  private readonly inHand = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private ticking: Promise<void> | null = null;
  private filling: Promise<void> | null = null;
  private fillAgain = false;
  private prunedAt = 0;

  constructor(
    private readonly fires: ScheduleFireRepository,
    private readonly runner: FireRunner,
    private readonly publisher: NotificationPublisher,
    private readonly retention: NotificationRetention,
    @Inject(SCHEDULER_CLOCK) private readonly clock: SchedulerClock,
    @InjectConfig() private readonly config: AgentsConfig,
    shutdown: ShutdownCoordinator,
  ) {
    shutdown.register('scheduler', {
      stopIntake: () => this.stopIntake(),
      drain: (deadline) => this.drain(deadline),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.publisher.ensureStream();
    if (!this.config.AGENTS_SCHEDULER_ENABLED) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** For a plain `app.close()`: the coordinator's phases did not run. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopIntake();
    await this.drain(Date.now() + 2_000);
  }

  /**
   * Runs one pass that starts now, after the one under way if any (tests that move the clock need not
   * wait for the timer, and a pass they ask for reads the clock they set).
   */
  tick(): Promise<void> {
    const pass = (this.ticking ?? Promise.resolve()).then(() => this.pass());
    this.ticking = pass;
    void pass.finally(() => {
      if (this.ticking === pass) this.ticking = null;
    });
    return pass;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick()
        .then(() => this.untilNextDue())
        .then(
          (delay) => this.schedule(delay),
          () => this.schedule(this.config.AGENTS_SCHEDULER_POLL_MS),
        );
    }, delayMs);
    this.timer.unref();
  }

  /**
   * How long to sleep: until the earliest slot of any schedule when it comes before the next poll, so a
   * slot is claimed when it comes rather than up to a poll interval later.
   */
  private async untilNextDue(): Promise<number> {
    const poll = this.config.AGENTS_SCHEDULER_POLL_MS;
    const next = await this.fires.nextDue();
    if (!next) return poll;
    return Math.min(poll, Math.max(MIN_SLEEP_MS, next.getTime() - this.clock.now().getTime()));
  }

  private async pass(): Promise<void> {
    try {
      await this.claimDue();
      this.requestFill();
      await this.filling;
      const now = this.clock.now();
      await this.fires.renew([...this.inHand.keys()], this.leaseFrom(now));
      await this.publisher.sweep(now);
      await this.prune(now);
    } catch (error) {
      this.logger.warn(`scheduler pass failed: ${String(error)}`);
    }
  }

  /**
   * At most once a minute (by the wall clock, not the scheduler's), a batch of expired fire records
   * goes, and the notifications past their retention.
   */
  private async prune(now: Date): Promise<void> {
    if (Date.now() - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = Date.now();
    await this.fires.pruneFinished(
      new Date(now.getTime() - this.config.AGENTS_SCHEDULE_FIRE_RETENTION_MS),
      PRUNE_BATCH,
    );
    await this.retention.prune(now);
  }

  private async claimDue(): Promise<void> {
    const batch = this.config.AGENTS_SCHEDULER_CLAIM_BATCH;
    for (;;) {
      if (this.stopped) return;
      const now = this.clock.now();
      const claimed = await this.fires.claimDue(now, batch, (schedule) => this.plan(schedule, now));
      if (claimed.fires > 0) this.requestFill();
      if (claimed.schedules < batch) return;
    }
  }

  private plan(schedule: DueSchedule, now: Date): DueSlots {
    if (!schedule.timing) return { fire: [], next: null };
    const rule: CatchUpRule = {
      policy: schedule.catchUp,
      maxSlots: this.config.AGENTS_SCHEDULE_CATCH_UP_MAX,
      graceMs: this.config.AGENTS_SCHEDULE_GRACE_MS,
    };
    try {
      return dueSlots(schedule.timing, schedule.nextFireAt, now, rule);
    } catch (error) {
      // Stored expressions were checked when written; one that no longer parses stops instead of looping.
      this.logger.warn(`schedule ${schedule.id} cannot be fired: ${String(error)}`);
      return { fire: [], next: null };
    }
  }

  /** Asks for a fill; one runs at a time, and runs again if asked meanwhile. */
  private requestFill(): void {
    this.fillAgain = true;
    if (!this.filling) this.filling = this.fillWhileAsked();
  }

  private async fillWhileAsked(): Promise<void> {
    // Runs after `filling` is set, and clears it with no await after the last look at `fillAgain`: a
    // request made meanwhile is either seen by the loop or starts a new one.
    await null;
    try {
      while (this.fillAgain && !this.stopped) {
        this.fillAgain = false;
        try {
          await this.fill();
        } catch (error) {
          this.logger.warn(`taking scheduled fires failed: ${String(error)}`);
        }
      }
    } finally {
      this.filling = null;
    }
  }

  /** Takes fires until every slot is busy or none is left. */
  private async fill(): Promise<void> {
    for (;;) {
      const free = this.config.AGENTS_SCHEDULER_CONCURRENCY - this.inHand.size;
      if (this.stopped || free <= 0) return;
      const now = this.clock.now();
      const taken = await this.fires.take(now, free, this.leaseFrom(now));
      for (const fire of taken) {
        const controller = new AbortController();
        const done = this.runner
          .run(fire, controller.signal)
          .catch((error: unknown) => this.logger.warn(`scheduled fire ${fire.id} failed: ${String(error)}`))
          .then(() => {
            this.inHand.delete(fire.id);
            this.requestFill();
          });
        this.inHand.set(fire.id, { controller, done });
      }
      if (taken.length < free) return;
    }
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + this.config.AGENTS_SCHEDULE_FIRE_LEASE_MS);
  }

  private stopIntake(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async drain(deadline: number): Promise<void> {
    await this.ticking;
    await waitUntil(() => this.inHand.size === 0, deadline);
    const left = [...this.inHand.entries()];
    for (const [, run] of left) run.controller.abort();
    await this.fires.release(left.map(([id]) => id)).catch((error: unknown) => {
      this.logger.warn(`could not give back ${left.length} scheduled fires: ${String(error)}`);
    });
    await Promise.all(left.map(([, run]) => run.done));
  }
}
