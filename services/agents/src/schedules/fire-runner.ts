import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { isDomainError } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { AgentsConfig } from '../config';
import { NotificationPublisher } from '../notifications/notification-publisher';
import {
  SCHEDULED_RUN_STARTER,
  type ScheduledRunOutcome,
  type ScheduledRunStarter,
} from './scheduled-run.port';
import { SCHEDULER_CLOCK, type SchedulerClock } from './scheduler-clock';
import { ScheduleFireRepository, type TakenFire } from './schedule-fire.repository';

/** Longest answer kept in a notification; the whole run stays with the run itself. */
const MAX_BODY_CHARS = 16_000;

/**
 * Runs one taken fire: starts the agent run with the schedule's prompt, waits for its end, and stores
 * the outcome as the owner's notification (with the fire's end, in one transaction), then announces it.
 * A fire whose earlier tries were cut short (its replica died) past AGENTS_SCHEDULE_FIRE_MAX_ATTEMPTS
 * is not run again: it ends failed, with that reason.
 */
@Injectable()
export class FireRunner {
  private readonly logger = new Logger(FireRunner.name);

  constructor(
    private readonly fires: ScheduleFireRepository,
    private readonly publisher: NotificationPublisher,
    @Inject(SCHEDULED_RUN_STARTER) private readonly runs: ScheduledRunStarter,
    @Inject(SCHEDULER_CLOCK) private readonly clock: SchedulerClock,
    @InjectConfig() private readonly config: AgentsConfig,
  ) {}

  /** Resolves once the fire is ended and announced; false when it was given back unfinished (signal). */
  async run(fire: TakenFire, signal: AbortSignal): Promise<boolean> {
    const outcome = await this.outcomeOf(fire, signal);
    if (signal.aborted) return false;
    const subject = fire.scheduleName ?? 'Scheduled run';
    const stored = await this.fires.finish(
      fire,
      {
        status: outcome.status,
        runId: outcome.runId,
        error: outcome.status === 'failed' ? outcome.error : null,
        at: this.clock.now(),
      },
      {
        id: randomUUID(),
        userId: fire.userId,
        status: outcome.status,
        title: outcome.status === 'succeeded' ? `${subject}: done` : `${subject}: failed`,
        body: (outcome.status === 'succeeded' ? outcome.output : outcome.error).slice(0, MAX_BODY_CHARS),
        agentId: fire.agentId,
        scheduleId: fire.scheduleId,
        runId: outcome.runId,
        firedFor: fire.slot,
      },
    );
    if (stored) await this.publisher.publish(stored, this.clock.now());
    return true;
  }

  private async outcomeOf(fire: TakenFire, signal: AbortSignal): Promise<ScheduledRunOutcome> {
    if (fire.attempt > this.config.AGENTS_SCHEDULE_FIRE_MAX_ATTEMPTS) {
      return {
        status: 'failed',
        runId: null,
        error: `The run was interrupted ${fire.attempt - 1} times (the service restarted while it ran); it was not tried again.`,
      };
    }
    try {
      return await this.runs.run({
        userId: fire.userId,
        agentId: fire.agentId,
        input: fire.prompt,
        trigger: { kind: 'schedule', scheduleId: fire.scheduleId, fireId: fire.id, slot: fire.slot },
        signal,
      });
    } catch (error) {
      // A refusal (the agent is gone, the budget is spent) is the outcome; anything else is logged too.
      if (!isDomainError(error)) this.logger.warn(`scheduled run ${fire.id} failed: ${String(error)}`);
      return {
        status: 'failed',
        runId: null,
        error: isDomainError(error) ? error.message : 'The run failed unexpectedly.',
      };
    }
  }
}
