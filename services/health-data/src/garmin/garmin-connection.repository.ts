import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DomainError, ErrorCode } from '@conduit/contracts';
import { inTransaction } from '@conduit/db';
import { UserSecrets } from '@conduit/envelope-crypto';
import { PG_POOL } from '@conduit/service-kit';

/** A link as its owner may see it: whether a token is kept, never the token. */
export interface GarminLink {
  garminUserId: string;
  userId: string;
  hasAccessToken: boolean;
  createdAt: Date;
}

/** A link with its token decrypted, for pulling summaries. */
export interface StoredGarminConnection extends Omit<GarminLink, 'hasAccessToken'> {
  accessToken: string | null;
}

interface ConnectionRow {
  garmin_user_id: string;
  user_id: string;
  /** Written by earlier versions only; sealed and cleared by {@link GarminConnectionRepository.sealPlaintextTokens}. */
  access_token: string | null;
  access_token_sealed: Buffer | null;
  created_at: Date;
}

/** What a sealed token is bound to, besides its user: a token cannot be moved to another link. */
const tokenContext = (garminUserId: string) => `garmin:${garminUserId}:access_token`;

/**
 * Which of our users a Garmin Health API user is: one Garmin user per user, and the other way round. The
 * user's access token is stored encrypted with the user's data key ({@link UserSecrets}).
 */
@Injectable()
export class GarminConnectionRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(UserSecrets) private readonly secrets: UserSecrets,
  ) {}

  /**
   * Links the Garmin user to the user (replacing the user's earlier link); CONFLICT, changing nothing,
   * when the Garmin user is linked to someone else.
   */
  async connect(userId: string, garminUserId: string, accessToken: string | null): Promise<GarminLink> {
    const sealed =
      accessToken === null
        ? null
        : await this.secrets.encrypt(userId, accessToken, tokenContext(garminUserId));
    const row = await inTransaction(this.pool, async (client) => {
      await client.query(`DELETE FROM garmin_connections WHERE user_id = $1 AND garmin_user_id <> $2`, [
        userId,
        garminUserId,
      ]);
      const { rows } = await client.query<ConnectionRow>(
        `INSERT INTO garmin_connections (garmin_user_id, user_id, access_token_sealed) VALUES ($1, $2, $3)
         ON CONFLICT (garmin_user_id) DO UPDATE SET access_token_sealed = EXCLUDED.access_token_sealed,
           access_token = NULL
           WHERE garmin_connections.user_id = EXCLUDED.user_id
         RETURNING *`,
        [garminUserId, userId, sealed],
      );
      if (!rows[0]) {
        throw new DomainError(ErrorCode.Conflict, 'That Garmin user is linked to another account');
      }
      return rows[0];
    });
    return this.linkOf(row);
  }

  /** The user's link, without decrypting its token. */
  async findByUser(userId: string): Promise<GarminLink | null> {
    const { rows } = await this.pool.query<ConnectionRow>(
      `SELECT * FROM garmin_connections WHERE user_id = $1`,
      [userId],
    );
    return rows[0] ? this.linkOf(rows[0]) : null;
  }

  async findByGarminUser(garminUserId: string): Promise<StoredGarminConnection | null> {
    const { rows } = await this.pool.query<ConnectionRow>(
      `SELECT * FROM garmin_connections WHERE garmin_user_id = $1`,
      [garminUserId],
    );
    return rows[0] ? this.toConnection(rows[0]) : null;
  }

  async disconnect(userId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM garmin_connections WHERE user_id = $1`, [userId]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Encrypts the tokens earlier versions stored as they were, and clears them: run at start-up (several
   * replicas at once are fine: a row is rewritten only while it still holds the token read). Answers how
   * many it sealed.
   */
  async sealPlaintextTokens(): Promise<number> {
    const { rows } = await this.pool.query<ConnectionRow>(
      `SELECT * FROM garmin_connections WHERE access_token IS NOT NULL`,
    );
    let sealed = 0;
    for (const row of rows) {
      const token = row.access_token!;
      const { rowCount } = await this.pool.query(
        `UPDATE garmin_connections SET access_token_sealed = $3, access_token = NULL
          WHERE garmin_user_id = $1 AND user_id = $2 AND access_token = $4`,
        [
          row.garmin_user_id,
          row.user_id,
          await this.secrets.encrypt(row.user_id, token, tokenContext(row.garmin_user_id)),
          token,
        ],
      );
      sealed += rowCount ?? 0;
    }
    return sealed;
  }

  private async toConnection(row: ConnectionRow): Promise<StoredGarminConnection> {
    // A row not sealed yet (the start-up step runs in the background) is read as it is.
    const accessToken = row.access_token_sealed
      ? await this.secrets.decrypt(row.user_id, row.access_token_sealed, tokenContext(row.garmin_user_id))
      : row.access_token;
    return { ...this.withoutToken(row), accessToken };
  }

  private withoutToken(row: ConnectionRow): Omit<StoredGarminConnection, 'accessToken'> {
    return { garminUserId: row.garmin_user_id, userId: row.user_id, createdAt: row.created_at };
  }

  private linkOf(row: ConnectionRow): GarminLink {
    const hasAccessToken = row.access_token_sealed !== null || row.access_token !== null;
    return { ...this.withoutToken(row), hasAccessToken };
  }
}
