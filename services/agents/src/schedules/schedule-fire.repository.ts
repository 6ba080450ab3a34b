import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { CatchUpPolicy } from '@conduit/contracts';
import { inTransaction } from '@conduit/db';
import { PG_POOL } from '@conduit/service-kit';
import {
  NotificationRepository,
  type NewNotification,
  type StoredNotification,
} from '../notifications/notification.repository';
import type { DueSlots, ScheduleTiming } from './schedule-timing';

/** A schedule whose next slot has come, as the claim reads it. */
export interface DueSchedule {
  id: string;
  userId: string;
  agentId: string;
  prompt: string;
  timing: ScheduleTiming | null;
  catchUp: CatchUpPolicy;
  nextFireAt: Date;
}

/** A fire taken to run: one slot of one schedule, with the prompt it was claimed with. */
export interface TakenFire {
  id: string;
  scheduleId: string;
  scheduleName: string | null;
  userId: string;
  agentId: string;
  prompt: string;
  slot: Date;
  /** This try's number (1 for the first). */
  attempt: number;
}

interface DueRow {
  id: string;
  user_id: string;
  agent_id: string;
  prompt: string;
  cron: string | null;
  time_zone: string;
  run_at: Date | null;
  catch_up: CatchUpPolicy;
  next_fire_at: Date;
}

interface FireRow {
  id: string;
  schedule_id: string;
  schedule_name: string | null;
  user_id: string;
  agent_id: string;
  prompt: string;
  slot: Date;
  attempts: number;
}

function timingOf(row: DueRow): ScheduleTiming | null {
  if (row.cron !== null) return { kind: 'cron', cron: row.cron, timeZone: row.time_zone };
  return row.run_at === null ? null : { kind: 'once', runAt: row.run_at };
}

/**
 * The scheduler's queries. Claiming is what makes a slot fire once with any number of replicas: due
 * schedules are locked with FOR UPDATE SKIP LOCKED (a replica skips what another is claiming), and in
 * the same transaction each fired slot is inserted under the unique (schedule_id, slot) and the schedule's
 * next_fire_at advanced past now. Running is a second step any replica may take (a fire `pending`, or
 * `running` past its lease because its replica died).
 */
@Injectable()
export class ScheduleFireRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly notifications: NotificationRepository,
  ) {}

  /**
   * Claims up to `limit` schedules due at `now`: `plan` says which slots each fires and its next slot.
   * Resolves with how many schedules were claimed and how many fires were recorded.
   */
  async claimDue(
    now: Date,
    limit: number,
    plan: (schedule: DueSchedule) => DueSlots,
  ): Promise<{ schedules: number; fires: number }> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<DueRow>(
        `SELECT id, user_id, agent_id, prompt, cron, time_zone, run_at, catch_up, next_fire_at
         FROM schedules WHERE enabled AND next_fire_at <= $1
         ORDER BY next_fire_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      if (rows.length === 0) return { schedules: 0, fires: 0 };
      const fires: { id: string; row: DueRow; slot: Date }[] = [];
      const advanced: { id: string; next: Date | null; last: Date | null }[] = [];
      for (const row of rows) {
        const slots = plan({
          id: row.id,
          userId: row.user_id,
          agentId: row.agent_id,
          prompt: row.prompt,
          timing: timingOf(row),
          catchUp: row.catch_up,
          nextFireAt: row.next_fire_at,
        });
        for (const slot of slots.fire) fires.push({ id: randomUUID(), row, slot });
        advanced.push({ id: row.id, next: slots.next, last: slots.fire.at(-1) ?? null });
      }
      const inserted = await client.query(
        `INSERT INTO schedule_fires (id, schedule_id, user_id, agent_id, prompt, slot, created_at)
         SELECT f.id, f.schedule_id, f.user_id, f.agent_id, f.prompt, f.slot, $7
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
           AS f(id, schedule_id, user_id, agent_id, prompt, slot)
         ON CONFLICT (schedule_id, slot) DO NOTHING`,
        [
          fires.map((f) => f.id),
          fires.map((f) => f.row.id),
          fires.map((f) => f.row.user_id),
          fires.map((f) => f.row.agent_id),
          fires.map((f) => f.row.prompt),
          fires.map((f) => f.slot),
          now,
        ],
      );
      await client.query(
        `UPDATE schedules s SET next_fire_at = v.next, last_fired_at = COALESCE(v.last, s.last_fired_at)
         FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS v(id, next, last)
         WHERE s.id = v.id`,
        [advanced.map((a) => a.id), advanced.map((a) => a.next), advanced.map((a) => a.last)],
      );
      return { schedules: rows.length, fires: inserted.rowCount ?? 0 };
    });
  }

  /**
   * Deletes up to `limit` fires that finished before `before`: a claim row is only needed while its
   * schedule could still come to its slot, and `next_fire_at` is past it once claimed. How many went.
   */
  async pruneFinished(before: Date, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM schedule_fires WHERE id IN (
         SELECT id FROM schedule_fires WHERE finished_at < $1
         LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, limit],
    );
    return rowCount ?? 0;
  }

  /** The earliest next slot of any enabled schedule; null when none is waiting. */
  async nextDue(): Promise<Date | null> {
    const { rows } = await this.pool.query<{ next: Date | null }>(
      'SELECT min(next_fire_at) AS next FROM schedules WHERE enabled',
    );
    return rows[0]?.next ?? null;
  }

  /**
   * Takes up to `limit` fires to run: pending ones, and running ones whose lease ran out (their replica
   * died), oldest slot first; each is this replica's until `leaseUntil`, renewed while it runs.
   */
  async take(now: Date, limit: number, leaseUntil: Date): Promise<TakenFire[]> {
    const { rows } = await this.pool.query<FireRow>(
      `UPDATE schedule_fires f SET status = 'running', attempts = f.attempts + 1, lease_until = $3
       WHERE f.id IN (
         SELECT id FROM schedule_fires
         WHERE status = 'pending' OR (status = 'running' AND lease_until < $1)
         ORDER BY slot LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING f.id, f.schedule_id, (SELECT name FROM schedules s WHERE s.id = f.schedule_id) AS schedule_name,
         f.user_id, f.agent_id, f.prompt, f.slot, f.attempts`,
      [now, limit, leaseUntil],
    );
    return rows.map((row) => ({
      id: row.id,
      scheduleId: row.schedule_id,
      scheduleName: row.schedule_name,
      userId: row.user_id,
      agentId: row.agent_id,
      prompt: row.prompt,
      slot: row.slot,
      attempt: row.attempts,
    }));
  }

  /** Keeps the fires in hand this replica's. */
  async renew(ids: readonly string[], leaseUntil: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(
      `UPDATE schedule_fires SET lease_until = $2 WHERE id = ANY($1::uuid[]) AND status = 'running'`,
      [ids, leaseUntil],
    );
  }

  /** Gives fires back untried (this replica is stopping), for another replica to take at once. */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(
      `UPDATE schedule_fires SET status = 'pending', lease_until = NULL, attempts = GREATEST(attempts - 1, 0)
       WHERE id = ANY($1::uuid[]) AND status = 'running'`,
      [ids],
    );
  }

  /**
   * Ends a fire with its outcome and stores its notification, in one transaction. null when the fire
   * had already ended (taken again after this replica's lease ran out, and finished there).
   */
  async finish(
    fire: TakenFire,
    outcome: { status: 'succeeded' | 'failed'; runId: string | null; error: string | null; at: Date },
    notification: Omit<NewNotification, 'fireId' | 'createdAt'>,
  ): Promise<StoredNotification | null> {
    return inTransaction(this.pool, async (client) => {
      const ended = await client.query(
        `UPDATE schedule_fires SET status = $2, run_id = $3, error = $4, finished_at = $5, lease_until = NULL
         WHERE id = $1 AND status = 'running'`,
        [fire.id, outcome.status, outcome.runId, outcome.error, outcome.at],
      );
      if ((ended.rowCount ?? 0) === 0) return null;
      return this.notifications.insertWithin(client, {
        ...notification,
        fireId: fire.id,
        createdAt: outcome.at,
      });
    });
  }
}
