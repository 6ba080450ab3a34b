import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { ConnectorProvider } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';

export type ConnectionStatus = 'active' | 'needs_reauthorization';

export interface ConnectionRow {
  id: string;
  userId: string;
  provider: ConnectorProvider;
  accountId: string;
  accountLabel: string;
  scopes: string[];
  status: ConnectionStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** A row with its sealed tokens (UserSecrets), for the code that uses or revokes them. */
export interface ConnectionWithTokens extends ConnectionRow {
  accessToken: Buffer;
  refreshToken: Buffer | null;
  accessExpiresAt: Date | null;
}

export interface SealedTokens {
  accessToken: Buffer;
  refreshToken: Buffer | null;
  accessExpiresAt: Date | null;
}

const COLUMNS = `id, user_id AS "userId", provider, account_id AS "accountId", account_label AS "accountLabel",
  scopes, status, created_at AS "createdAt", updated_at AS "updatedAt"`;
const TOKEN_COLUMNS = `${COLUMNS}, access_token AS "accessToken", refresh_token AS "refreshToken",
  access_expires_at AS "accessExpiresAt"`;

type Queryable = Pick<Pool | PoolClient, 'query'>;

/** Users' connected accounts; every query is scoped to the user whose request it serves. */
@Injectable()
export class ConnectionRepository {
  constructor(@Inject(PG_POOL) readonly pool: Pool) {}

  /** Newest first. */
  async list(userId: string): Promise<ConnectionRow[]> {
    const { rows } = await this.pool.query<ConnectionRow>(
      `SELECT ${COLUMNS} FROM connections WHERE user_id = $1 ORDER BY seq DESC`,
      [userId],
    );
    return rows;
  }

  /** The user's connections among `ids`, oldest first (ids that are not theirs are left out). */
  async listByIds(userId: string, ids: readonly string[]): Promise<ConnectionRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<ConnectionRow>(
      `SELECT ${COLUMNS} FROM connections WHERE user_id = $1 AND id = ANY($2::uuid[]) ORDER BY seq`,
      [userId, ids],
    );
    return rows;
  }

  async findWithTokens(
    userId: string,
    id: string,
    db: Queryable = this.pool,
    options: { forUpdate?: boolean } = {},
  ): Promise<ConnectionWithTokens | null> {
    const { rows } = await db.query<ConnectionWithTokens>(
      `SELECT ${TOKEN_COLUMNS} FROM connections WHERE user_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [userId, id],
    );
    return rows[0] ?? null;
  }

  async findIdByAccount(
    db: Queryable,
    userId: string,
    provider: ConnectorProvider,
    accountId: string,
  ): Promise<string | null> {
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM connections WHERE user_id = $1 AND provider = $2 AND account_id = $3`,
      [userId, provider, accountId],
    );
    return rows[0]?.id ?? null;
  }

  async insert(
    db: Queryable,
    row: Pick<ConnectionRow, 'id' | 'userId' | 'provider' | 'accountId' | 'accountLabel' | 'scopes'>,
    tokens: SealedTokens,
  ): Promise<void> {
    await db.query(
      `INSERT INTO connections (id, user_id, provider, account_id, account_label, scopes, access_token, refresh_token,
         access_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        row.id,
        row.userId,
        row.provider,
        row.accountId,
        row.accountLabel,
        row.scopes,
        tokens.accessToken,
        tokens.refreshToken,
        tokens.accessExpiresAt,
      ],
    );
  }

  /** New tokens (a reconnect or a refresh): the connection is active again. `refreshToken` undefined keeps it. */
  async updateTokens(
    db: Queryable,
    userId: string,
    id: string,
    tokens: Omit<SealedTokens, 'refreshToken'> & { refreshToken?: Buffer | null },
    details: { accountLabel?: string; scopes?: string[] } = {},
  ): Promise<void> {
    await db.query(
      `UPDATE connections SET access_token = $3, access_expires_at = $4,
         refresh_token = CASE WHEN $5 THEN $6 ELSE refresh_token END,
         account_label = COALESCE($7, account_label), scopes = COALESCE($8, scopes),
         status = 'active', updated_at = now()
       WHERE user_id = $1 AND id = $2`,
      [
        userId,
        id,
        tokens.accessToken,
        tokens.accessExpiresAt,
        tokens.refreshToken !== undefined,
        tokens.refreshToken ?? null,
        details.accountLabel ?? null,
        details.scopes ?? null,
      ],
    );
  }

  async markNeedsReauthorization(db: Queryable, userId: string, id: string): Promise<void> {
    await db.query(
      `UPDATE connections SET status = 'needs_reauthorization', updated_at = now() WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM connections WHERE user_id = $1 AND id = $2`, [
      userId,
      id,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
