import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@conduit/service-kit';
import type { WrappedDataKey } from './key-management.port';

export interface StoredDataKey extends WrappedDataKey {
  readonly userId: string;
}

/** Users' data keys, only ever stored wrapped by a master key. */
@Injectable()
export class DataKeyRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(userId: string): Promise<WrappedDataKey | null> {
    const { rows } = await this.pool.query<WrappedDataKey>(
      `SELECT master_key_id AS "masterKeyId", wrapped_key AS wrapped FROM user_data_keys WHERE user_id = $1`,
      [userId],
    );
    return rows[0] ?? null;
  }

  /** Keeps `key` unless the user already has one (two first uses at once); answers the one kept. */
  async insertIfAbsent(userId: string, key: WrappedDataKey): Promise<WrappedDataKey> {
    await this.pool.query(
      `INSERT INTO user_data_keys (user_id, master_key_id, wrapped_key) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO NOTHING`,
      [userId, key.masterKeyId, key.wrapped],
    );
    const kept = await this.find(userId);
    if (kept === null) throw new Error(`the data key of ${userId} vanished as it was written`);
    return kept;
  }

  /** Data keys still wrapped by another master key than `masterKeyId` (a rotation in progress). */
  async listWrappedByOtherThan(masterKeyId: string, limit: number): Promise<StoredDataKey[]> {
    const { rows } = await this.pool.query<StoredDataKey>(
      `SELECT user_id AS "userId", master_key_id AS "masterKeyId", wrapped_key AS wrapped
         FROM user_data_keys WHERE master_key_id <> $1 ORDER BY user_id LIMIT $2`,
      [masterKeyId, limit],
    );
    return rows;
  }

  /** Replaces the wrapping only if it is still `from` (another replica may have rewrapped it first). */
  async rewrap(userId: string, from: WrappedDataKey, to: WrappedDataKey): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE user_data_keys SET master_key_id = $4, wrapped_key = $5, rewrapped_at = now()
        WHERE user_id = $1 AND master_key_id = $2 AND wrapped_key = $3`,
      [userId, from.masterKeyId, from.wrapped, to.masterKeyId, to.wrapped],
    );
    return (rowCount ?? 0) > 0;
  }
}
