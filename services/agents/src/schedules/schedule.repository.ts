import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { CatchUpPolicy } from '@conduit/contracts';
import { inTransaction, lockKey } from '@conduit/db';
import { PG_POOL } from '@conduit/service-kit';

export interface StoredSchedule {
  id: string;
  seq: string;
  userId: string;
  agentId: string;
  name: string | null;
  prompt: string;
  cron: string | null;
  timeZone: string;
  runAt: Date | null;
  catchUp: CatchUpPolicy;
  enabled: boolean;
  nextFireAt: Date | null;
  lastFiredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The fields a create or an update writes. */
export type ScheduleFields = Pick<
  StoredSchedule,
  'name' | 'prompt' | 'cron' | 'timeZone' | 'runAt' | 'catchUp' | 'enabled' | 'nextFireAt'
>;

interface ScheduleRow {
  id: string;
  seq: string;
  user_id: string;
  agent_id: string;
  name: string | null;
  prompt: string;
  cron: string | null;
  time_zone: string;
  run_at: Date | null;
  catch_up: CatchUpPolicy;
  enabled: boolean;
  next_fire_at: Date | null;
  last_fired_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const FOREIGN_KEY_VIOLATION = '23503';

const COLUMNS = `id, seq::text, user_id, agent_id, name, prompt, cron, time_zone, run_at, catch_up, enabled,
  next_fire_at, last_fired_at, created_at, updated_at`;

function fromRow(row: ScheduleRow): StoredSchedule {
  return {
    id: row.id,
    seq: row.seq,
    userId: row.user_id,
    agentId: row.agent_id,
    name: row.name,
    prompt: row.prompt,
    cron: row.cron,
    timeZone: row.time_zone,
    runAt: row.run_at,
    catchUp: row.catch_up,
    enabled: row.enabled,
    nextFireAt: row.next_fire_at,
    lastFiredAt: row.last_fired_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Schedules as their owners see and change them; every query is scoped to the owner. */
@Injectable()
export class ScheduleRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Stores a new schedule unless its owner has `maxPerUser` already (`too-many`; the count and the insert
   * hold the owner's lock, so two creates at once cannot both pass it) or the agent is gone (`no-agent`).
   */
  async insert(
    schedule: ScheduleFields & { id: string; userId: string; agentId: string; now: Date },
    maxPerUser: number,
  ): Promise<StoredSchedule | 'no-agent' | 'too-many'> {
    try {
      return await inTransaction(this.pool, async (client) => {
        await lockKey(client, `schedules:${schedule.userId}`);
        const { rows: counted } = await client.query<{ count: string }>(
          'SELECT count(*)::text AS count FROM schedules WHERE user_id = $1',
          [schedule.userId],
        );
        if (Number(counted[0]?.count ?? 0) >= maxPerUser) return 'too-many';
        const { rows } = await client.query<ScheduleRow>(
          `INSERT INTO schedules (id, user_id, agent_id, name, prompt, cron, time_zone, run_at, catch_up, enabled,
             next_fire_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
           RETURNING ${COLUMNS}`,
          [
            schedule.id,
            schedule.userId,
            schedule.agentId,
            schedule.name,
            schedule.prompt,
            schedule.cron,
            schedule.timeZone,
            schedule.runAt,
            schedule.catchUp,
            schedule.enabled,
            schedule.nextFireAt,
            schedule.now,
          ],
        );
        return fromRow(rows[0]!);
      });
    } catch (error) {
      // The agent was deleted after it was checked (its schedules go with it).
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return 'no-agent';
      throw error;
    }
  }

  async get(userId: string, id: string): Promise<StoredSchedule | null> {
    const { rows } = await this.pool.query<ScheduleRow>(
      `SELECT ${COLUMNS} FROM schedules WHERE id = $1 AND user_id = $2`,
      [id, userId],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** Newest first, after the row numbered `beforeSeq` when given; one more than `limit` tells a next page. */
  async list(
    userId: string,
    options: { agentId?: string; beforeSeq?: string; limit: number },
  ): Promise<StoredSchedule[]> {
    const { rows } = await this.pool.query<ScheduleRow>(
      `SELECT ${COLUMNS} FROM schedules
       WHERE user_id = $1 AND ($2::uuid IS NULL OR agent_id = $2::uuid) AND ($3::bigint IS NULL OR seq < $3)
       ORDER BY seq DESC LIMIT $4`,
      [userId, options.agentId ?? null, options.beforeSeq ?? null, options.limit],
    );
    return rows.map(fromRow);
  }

  /**
   * Writes an owner's change. The row is locked first, so a replica firing it cannot advance it in
   * between: its claim either came before (and the change recomputes from there) or waits.
   */
  async update(
    userId: string,
    id: string,
    change: (current: StoredSchedule) => ScheduleFields,
    now: Date,
  ): Promise<StoredSchedule | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<ScheduleRow>(
        `SELECT ${COLUMNS} FROM schedules WHERE id = $1 AND user_id = $2 FOR UPDATE`,
        [id, userId],
      );
      if (!rows[0]) return null;
      const next = change(fromRow(rows[0]));
      const updated = await client.query<ScheduleRow>(
        `UPDATE schedules SET name = $3, prompt = $4, cron = $5, time_zone = $6, run_at = $7, catch_up = $8,
           enabled = $9, next_fire_at = $10, updated_at = $11
         WHERE id = $1 AND user_id = $2
         RETURNING ${COLUMNS}`,
        [
          id,
          userId,
          next.name,
          next.prompt,
          next.cron,
          next.timeZone,
          next.runAt,
          next.catchUp,
          next.enabled,
          next.nextFireAt,
          now,
        ],
      );
      return fromRow(updated.rows[0]!);
    });
  }

  /** Its fires go with it; notifications already sent stay. */
  async delete(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM schedules WHERE id = $1 AND user_id = $2', [
      id,
      userId,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
