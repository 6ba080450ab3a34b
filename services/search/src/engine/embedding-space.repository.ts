import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { PG_POOL } from '@conduit/service-kit';
import { inTransaction, lockKey } from '@conduit/db';
import { planSpaces, type SpacePlan, type SpaceRecord } from './space-plan';

/** Serialises changes to the recorded spaces across replicas. */
const SPACES_LOCK = 'search.embedding-spaces';

interface SpaceRow {
  id: string;
  model: string;
  dimensions: number;
  role: 'serving' | 'building';
}

export interface RecordedPair {
  readonly serving: SpaceRecord | null;
  readonly building: SpaceRecord | null;
}

/** How far a re-index into a space has come: indexed documents already in it, of all indexed ones. */
export interface SpaceProgress {
  readonly indexed: number;
  readonly total: number;
}

/** The embedding spaces whose indexes exist (`embedding_spaces`): which one serves, which one is being built. */
@Injectable()
export class EmbeddingSpaceRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Plans the spaces for the configured one (see {@link planSpaces}) and records the plan, one replica at a time. */
  async settle(configured: SpaceRecord): Promise<SpacePlan> {
    return inTransaction(this.pool, async (client) => {
      await lockKey(client, SPACES_LOCK);
      const recorded = await recordedIn(client);
      const mostUsed =
        recorded.serving === null
          ? ((
              await client.query<{ embedding_space: string }>(
                `SELECT embedding_space FROM documents WHERE status = 'indexed' AND embedding_space IS NOT NULL
                 GROUP BY embedding_space ORDER BY count(*) DESC LIMIT 1`,
              )
            ).rows[0]?.embedding_space ?? null)
          : null;
      const plan = planSpaces(configured, { ...recorded, mostUsed });
      await client.query('DELETE FROM embedding_spaces');
      await insert(client, plan.serving, 'serving');
      if (plan.building) await insert(client, plan.building, 'building');
      return plan;
    });
  }

  async recorded(): Promise<RecordedPair> {
    const client = await this.pool.connect();
    try {
      return await recordedIn(client);
    } finally {
      client.release();
    }
  }

  /** The space being built becomes the serving one; the one serving until now is no longer recorded. */
  async switchOver(building: SpaceRecord): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await lockKey(client, SPACES_LOCK);
      await client.query(`DELETE FROM embedding_spaces WHERE role = 'serving'`);
      const { rowCount } = await client.query(
        `UPDATE embedding_spaces SET role = 'serving' WHERE id = $1 AND role = 'building'`,
        [building.id],
      );
      if (rowCount !== 1) throw new Error(`${building.id} is not the space being built any more`);
    });
  }

  /** Indexed documents already in `spaceId`, of all indexed ones; of one user when `userId` is given. */
  async progress(spaceId: string, userId?: string): Promise<SpaceProgress> {
    const { rows } = await this.pool.query<{ indexed: string; total: string }>(
      `SELECT count(*) FILTER (WHERE embedding_space = $1) AS indexed, count(*) AS total
       FROM documents WHERE status = 'indexed' ${userId === undefined ? '' : 'AND user_id = $2'}`,
      userId === undefined ? [spaceId] : [spaceId, userId],
    );
    return { indexed: Number(rows[0]?.indexed ?? 0), total: Number(rows[0]?.total ?? 0) };
  }
}

async function recordedIn(client: PoolClient): Promise<RecordedPair> {
  const { rows } = await client.query<SpaceRow>('SELECT id, model, dimensions, role FROM embedding_spaces');
  const withRole = (role: SpaceRow['role']) => {
    const row = rows.find((candidate) => candidate.role === role);
    return row ? { id: row.id, model: row.model, dimensions: row.dimensions } : null;
  };
  return { serving: withRole('serving'), building: withRole('building') };
}

async function insert(client: PoolClient, space: SpaceRecord, role: SpaceRow['role']): Promise<void> {
  await client.query(
    `INSERT INTO embedding_spaces (id, model, dimensions, role) VALUES ($1, $2, $3, $4::"EmbeddingSpaceRole")`,
    [space.id, space.model, space.dimensions, role],
  );
}
