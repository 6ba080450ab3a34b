import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DomainError, ErrorCode } from '@conduit/contracts';
import { inTransaction } from '@conduit/db';
import { PG_POOL } from '@conduit/service-kit';

export interface StoredGarminConnection {
  garminUserId: string;
  userId: string;
  accessToken: string | null;
  createdAt: Date;
}

interface ConnectionRow {
  garmin_user_id: string;
  user_id: string;
  access_token: string | null;
  created_at: Date;
}

const toConnection = (row: ConnectionRow): StoredGarminConnection => ({
  garminUserId: row.garmin_user_id,
  userId: row.user_id,
  accessToken: row.access_token,
  createdAt: row.created_at,
});

/** Which of our users a Garmin Health API user is: one Garmin user per user, and the other way round. */
@Injectable()
export class GarminConnectionRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Links the Garmin user to the user (replacing the user's earlier link); CONFLICT, changing nothing,
   * when the Garmin user is linked to someone else.
   */
  async connect(
    userId: string,
    garminUserId: string,
    accessToken: string | null,
  ): Promise<StoredGarminConnection> {
    return inTransaction(this.pool, async (client) => {
      await client.query(`DELETE FROM garmin_connections WHERE user_id = $1 AND garmin_user_id <> $2`, [
        userId,
        garminUserId,
      ]);
      const { rows } = await client.query<ConnectionRow>(
        `INSERT INTO garmin_connections (garmin_user_id, user_id, access_token) VALUES ($1, $2, $3)
         ON CONFLICT (garmin_user_id) DO UPDATE SET access_token = EXCLUDED.access_token
           WHERE garmin_connections.user_id = EXCLUDED.user_id
         RETURNING *`,
        [garminUserId, userId, accessToken],
      );
      if (!rows[0]) {
        throw new DomainError(ErrorCode.Conflict, 'That Garmin user is linked to another account');
      }
      return toConnection(rows[0]);
    });
  }

  async findByUser(userId: string): Promise<StoredGarminConnection | null> {
    const { rows } = await this.pool.query<ConnectionRow>(
      `SELECT * FROM garmin_connections WHERE user_id = $1`,
      [userId],
    );
    return rows[0] ? toConnection(rows[0]) : null;
  }

  async findByGarminUser(garminUserId: string): Promise<StoredGarminConnection | null> {
    const { rows } = await this.pool.query<ConnectionRow>(
      `SELECT * FROM garmin_connections WHERE garmin_user_id = $1`,
      [garminUserId],
    );
    return rows[0] ? toConnection(rows[0]) : null;
  }

  async disconnect(userId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM garmin_connections WHERE user_id = $1`, [userId]);
    return (rowCount ?? 0) > 0;
  }
}
