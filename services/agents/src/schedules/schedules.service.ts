import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  DomainError,
  ErrorCode,
  type CreateSchedule,
  type ListSchedulesQuery,
  type Schedule,
  type UpdateSchedule,
} from '@conduit/contracts';
import { decodeSeqCursor, encodeSeqCursor, InjectConfig } from '@conduit/service-kit';
import type { AgentsConfig } from '../config';
import { SCHEDULED_AGENTS, type ScheduledAgents } from './scheduled-run.port';
import { SCHEDULER_CLOCK, type SchedulerClock } from './scheduler-clock';
import { nextSlotAfter, parseCron, type ScheduleTiming } from './schedule-timing';
import { ScheduleRepository, type ScheduleFields, type StoredSchedule } from './schedule.repository';

const CURSOR_TAG = 's';

const notFound = () => new DomainError(ErrorCode.NotFound, 'No schedule with that id');

function invalid(field: string, message: string): DomainError {
  return new DomainError(ErrorCode.ValidationFailed, `Invalid request: ${field}: ${message}`, {
    fields: [{ path: field, message }],
  });
}

export function toSchedule(stored: StoredSchedule): Schedule {
  return {
    id: stored.id,
    agentId: stored.agentId,
    name: stored.name,
    prompt: stored.prompt,
    cron: stored.cron,
    timeZone: stored.timeZone,
    runAt: stored.runAt?.toISOString() ?? null,
    catchUp: stored.catchUp,
    enabled: stored.enabled,
    state: !stored.enabled ? 'paused' : stored.nextFireAt === null ? 'finished' : 'active',
    nextFireAt: stored.nextFireAt?.toISOString() ?? null,
    lastFiredAt: stored.lastFiredAt?.toISOString() ?? null,
    createdAt: stored.createdAt.toISOString(),
    updatedAt: stored.updatedAt.toISOString(),
  };
}

/**
 * A schedule's timing from its fields, checked: a cron expression that parses and fires in a known zone,
 * or a one-off time still in the future.
 */
function timingOf(fields: Pick<ScheduleFields, 'cron' | 'timeZone' | 'runAt'>, now: Date): ScheduleTiming {
  if (fields.cron !== null) {
    parseCron(fields.cron, fields.timeZone, now);
    return { kind: 'cron', cron: fields.cron, timeZone: fields.timeZone };
  }
  if (fields.runAt === null) throw invalid('cron', 'give either cron (repeating) or runAt (once)');
  return { kind: 'once', runAt: fields.runAt };
}

/** Schedules of the caller's own agents: created, read, changed, paused and deleted by their owner only. */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly schedules: ScheduleRepository,
    @Inject(SCHEDULED_AGENTS) private readonly agents: ScheduledAgents,
    @Inject(SCHEDULER_CLOCK) private readonly clock: SchedulerClock,
    @InjectConfig() private readonly config: AgentsConfig,
  ) {}

  async create(userId: string, input: CreateSchedule): Promise<Schedule> {
    const now = this.clock.now();
    const fields: ScheduleFields = {
      name: input.name ?? null,
      prompt: input.prompt,
      cron: input.cron ?? null,
      timeZone: input.timeZone,
      runAt: input.runAt === undefined ? null : new Date(input.runAt),
      catchUp: input.catchUp,
      enabled: input.enabled,
      nextFireAt: null,
    };
    const timing = timingOf(fields, now);
    if (timing.kind === 'once' && timing.runAt <= now) throw invalid('runAt', 'must be in the future');
    // Someone else's agent is as unknown as a missing one: its existence is not the caller's to learn.
    if (!(await this.agents.isOwnedBy(userId, input.agentId))) {
      throw new DomainError(ErrorCode.NotFound, 'No agent with that id');
    }
    fields.nextFireAt = fields.enabled ? nextSlotAfter(timing, now) : null;
    const stored = await this.schedules.insert(
      { ...fields, id: randomUUID(), userId, agentId: input.agentId, now },
      this.config.AGENTS_MAX_SCHEDULES_PER_USER,
    );
    if (stored === 'no-agent') throw new DomainError(ErrorCode.NotFound, 'No agent with that id');
    if (stored === 'too-many') {
      throw new DomainError(
        ErrorCode.Conflict,
        `You have ${this.config.AGENTS_MAX_SCHEDULES_PER_USER} schedules, the most allowed: delete one first`,
        { limit: this.config.AGENTS_MAX_SCHEDULES_PER_USER },
      );
    }
    return toSchedule(stored);
  }

  async get(userId: string, id: string): Promise<Schedule> {
    const stored = await this.schedules.get(userId, id);
    if (!stored) throw notFound();
    return toSchedule(stored);
  }

  async list(
    userId: string,
    query: ListSchedulesQuery,
  ): Promise<{ data: Schedule[]; nextCursor: string | null }> {
    const beforeSeq = query.cursor === undefined ? undefined : decodeSeqCursor(CURSOR_TAG, query.cursor);
    const rows = await this.schedules.list(userId, {
      ...(query.agentId ? { agentId: query.agentId } : {}),
      ...(beforeSeq ? { beforeSeq } : {}),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(toSchedule),
      nextCursor: rows.length > query.limit && last ? encodeSeqCursor(CURSOR_TAG, last.seq) : null,
    };
  }

  /**
   * Applies a change. The next slot is computed again from now whenever the timing changes or the
   * schedule is resumed: slots that passed while it was paused are not caught up.
   */
  async update(userId: string, change: UpdateSchedule): Promise<Schedule> {
    const now = this.clock.now();
    const updated = await this.schedules.update(
      userId,
      change.id,
      (current) => {
        const fields: ScheduleFields = {
          name: change.name === undefined ? current.name : change.name,
          prompt: change.prompt ?? current.prompt,
          cron: change.runAt !== undefined ? null : (change.cron ?? current.cron),
          timeZone: change.timeZone ?? current.timeZone,
          runAt:
            change.cron !== undefined
              ? null
              : change.runAt !== undefined
                ? new Date(change.runAt)
                : current.runAt,
          catchUp: change.catchUp ?? current.catchUp,
          enabled: change.enabled ?? current.enabled,
          nextFireAt: current.nextFireAt,
        };
        const retimed =
          change.cron !== undefined || change.runAt !== undefined || change.timeZone !== undefined;
        const resumed = fields.enabled && !current.enabled;
        const timing = timingOf(fields, now);
        if (change.runAt !== undefined && timing.kind === 'once' && timing.runAt <= now) {
          throw invalid('runAt', 'must be in the future');
        }
        if (!fields.enabled) fields.nextFireAt = null;
        else if (retimed || resumed) fields.nextFireAt = nextSlotAfter(timing, now);
        return fields;
      },
      now,
    );
    if (!updated) throw notFound();
    return toSchedule(updated);
  }

  async delete(userId: string, id: string): Promise<{ id: string; deleted: true }> {
    if (!(await this.schedules.delete(userId, id))) throw notFound();
    return { id, deleted: true };
  }
}
