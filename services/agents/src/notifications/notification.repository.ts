import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { Notification } from '@conduit/contracts';
import { inTransaction } from '@conduit/db';
import { PG_POOL } from '@conduit/service-kit';

export interface StoredNotification {
  seq: string;
  userId: string;
  notification: Notification;
}

/** A notification to store, about one fire of a schedule. */
export interface NewNotification {
  id: string;
  userId: string;
  status: 'succeeded' | 'failed';
  title: string;
  body: string;
  agentId: string;
  scheduleId: string | null;
  fireId: string | null;
  runId: string | null;
  firedFor: Date | null;
  createdAt: Date;
}

interface NotificationRow {
  id: string;
  seq: string;
  user_id: string;
  kind: 'agent.run';
  status: 'succeeded' | 'failed';
  title: string;
  body: string;
  agent_id: string;
  schedule_id: string | null;
  run_id: string | null;
  fired_for: Date | null;
  read_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id, seq::text, user_id, kind, status, title, body, agent_id, schedule_id, run_id, fired_for,
  read_at, created_at`;

function fromRow(row: NotificationRow): StoredNotification {
  return {
    seq: row.seq,
    userId: row.user_id,
    notification: {
      id: row.id,
      kind: row.kind,
      status: row.status,
      title: row.title,
      body: row.body,
      agentId: row.agent_id,
      scheduleId: row.schedule_id,
      runId: row.run_id,
      firedFor: row.fired_for?.toISOString() ?? null,
      read: row.read_at !== null,
      readAt: row.read_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
    },
  };
}

/** Notifications; every query a user's request makes is scoped to that user. */
@Injectable()
export class NotificationRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Stores one, within the caller's transaction; null when the fire already has its notification (a
   * fire ended twice, by a replica that had lost its lease).
   */
  async insertWithin(client: PoolClient, n: NewNotification): Promise<StoredNotification | null> {
    const { rows } = await client.query<NotificationRow>(
      `INSERT INTO notifications (id, user_id, kind, status, title, body, agent_id, schedule_id, fire_id, run_id,
         fired_for, created_at)
       VALUES ($1, $2, 'agent.run', $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (fire_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        n.id,
        n.userId,
        n.status,
        n.title,
        n.body,
        n.agentId,
        n.scheduleId,
        n.fireId,
        n.runId,
        n.firedFor,
        n.createdAt,
      ],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** Newest first, after the row numbered `beforeSeq` when given. */
  async list(
    userId: string,
    options: { unread?: boolean; beforeSeq?: string; limit: number },
  ): Promise<StoredNotification[]> {
    const { rows } = await this.pool.query<NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications
       WHERE user_id = $1 AND ($2::boolean IS NULL OR (read_at IS NULL) = $2) AND ($3::bigint IS NULL OR seq < $3)
       ORDER BY seq DESC LIMIT $4`,
      [userId, options.unread ?? null, options.beforeSeq ?? null, options.limit],
    );
    return rows.map(fromRow);
  }

  async unreadCount(userId: string): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>(
      'SELECT count(*)::text AS count FROM notifications WHERE user_id = $1 AND read_at IS NULL',
      [userId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** Marks one read (kept as first read when it already was); null when it is not the user's. */
  async markRead(userId: string, id: string, at: Date): Promise<StoredNotification | null> {
    const { rows } = await this.pool.query<NotificationRow>(
      `UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2
       RETURNING ${COLUMNS}`,
      [id, userId, at],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async markAllRead(userId: string, at: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      'UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL',
      [userId, at],
    );
    return rowCount ?? 0;
  }

  /**
   * Hands the still unpublished notifications among `ids` (or, without ids, those stored before `before`,
   * oldest first) to `publish`, each under its row lock, and marks the ones it published. The lock is what
   * keeps two replicas (or a replica's own publish and its sweep) from publishing one twice: a row another
   * holds is skipped, and once it is marked it is no longer unpublished. Resolves with how many were
   * published; stops at the first that `publish` refuses (left for the next sweep).
   */
  async publishPending(
    select: { ids: readonly string[] } | { before: Date; limit: number },
    publish: (stored: StoredNotification) => Promise<boolean>,
    at: Date,
  ): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const { rows } =
        'ids' in select
          ? await client.query<NotificationRow>(
              `SELECT ${COLUMNS} FROM notifications WHERE id = ANY($1::uuid[]) AND published_at IS NULL
               ORDER BY seq FOR UPDATE SKIP LOCKED`,
              [select.ids],
            )
          : await client.query<NotificationRow>(
              `SELECT ${COLUMNS} FROM notifications WHERE published_at IS NULL AND created_at < $1
               ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
              [select.before, select.limit],
            );
      const published: string[] = [];
      for (const row of rows) {
        if (!(await publish(fromRow(row)))) break;
        published.push(row.id);
      }
      if (published.length > 0) {
        await client.query('UPDATE notifications SET published_at = $2 WHERE id = ANY($1::uuid[])', [
          published,
          at,
        ]);
      }
      return published.length;
    });
  }

  /**
   * Deletes up to `limit` of the oldest notifications stored before `before`; rows another replica is
   * deleting at the same moment are skipped, not waited for. Returns how many went.
   */
  async deleteCreatedBefore(before: Date, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM notifications WHERE id IN (
         SELECT id FROM notifications WHERE created_at < $1
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, limit],
    );
    return rowCount ?? 0;
  }
}
