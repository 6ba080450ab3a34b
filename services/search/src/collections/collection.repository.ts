import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { DEFAULT_COLLECTION, MEMORY_COLLECTION, type Collection } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';

interface CollectionRow {
  name: string;
  description: string | null;
  created_at: Date | null;
  document_count: string;
}

/** Named collections; every query is scoped to the owner. The default collection has no row. */
@Injectable()
export class CollectionRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The default collection first, then the user's own by name, each with its document count. */
  async list(userId: string): Promise<Collection[]> {
    const { rows } = await this.pool.query<CollectionRow>(
      `WITH counts AS (SELECT collection, count(*) AS n FROM documents WHERE user_id = $1 GROUP BY collection)
       SELECT $2::text AS name, NULL::text AS description, NULL::timestamptz AS created_at,
              COALESCE((SELECT n FROM counts WHERE collection = $2), 0)::text AS document_count
       UNION ALL
       SELECT c.name, c.description, c.created_at, COALESCE(counts.n, 0)::text
       FROM collections c LEFT JOIN counts ON counts.collection = c.name
       WHERE c.user_id = $1`,
      [userId, DEFAULT_COLLECTION],
    );
    const [first, ...own] = rows.map(collectionOf);
    return [first!, ...own.sort((a, b) => a.name.localeCompare(b.name))];
  }

  /** @returns the new collection, or null when the user already has one by that name. */
  async create(userId: string, name: string, description: string | null): Promise<Collection | null> {
    const { rows } = await this.pool.query<{ created_at: Date }>(
      `INSERT INTO collections (id, user_id, name, description) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, name) DO NOTHING RETURNING created_at`,
      [randomUUID(), userId, name, description],
    );
    const row = rows[0];
    if (!row) return null;
    return { name, description, documentCount: 0, createdAt: row.created_at.toISOString() };
  }

  async delete(userId: string, name: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM collections WHERE user_id = $1 AND name = $2', [
      userId,
      name,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Which of the given names are neither the default or memory collection nor one of the user's. */
  async unknownAmong(userId: string, names: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(names)].filter(
      (name) => name !== DEFAULT_COLLECTION && name !== MEMORY_COLLECTION,
    );
    if (wanted.length === 0) return [];
    const { rows } = await this.pool.query<{ name: string }>(
      'SELECT name FROM collections WHERE user_id = $1 AND name = ANY($2::text[])',
      [userId, wanted],
    );
    const known = new Set(rows.map((row) => row.name));
    return wanted.filter((name) => !known.has(name));
  }
}

function collectionOf(row: CollectionRow): Collection {
  return {
    name: row.name,
    description: row.description,
    documentCount: Number(row.document_count),
    createdAt: row.created_at ? row.created_at.toISOString() : null,
  };
}
