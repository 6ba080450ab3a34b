import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@conduit/service-kit';

interface McpServerRow {
  id: string;
  name: string;
  url: string;
  header_names: string[];
  sealed_headers: Buffer | null;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A stored server; `sealedHeaders` is only ever opened to connect. */
export interface StoredMcpServer {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly url: string;
  readonly headerNames: readonly string[];
  readonly sealedHeaders: Buffer | null;
  readonly enabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type McpServerFields = Pick<
  StoredMcpServer,
  'name' | 'url' | 'headerNames' | 'sealedHeaders' | 'enabled'
>;

/** Thrown when the user already has a server of that name. */
export class McpServerNameTakenError extends Error {}

const COLUMNS = 'id, name, url, header_names, sealed_headers, enabled, created_at, updated_at';
const UNIQUE_VIOLATION = '23505';

/** Users' MCP servers; every query is scoped to the owner. */
@Injectable()
export class McpServerRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(userId: string, id: string, fields: McpServerFields): Promise<StoredMcpServer> {
    const rows = await this.query(
      `INSERT INTO mcp_servers (id, user_id, name, url, header_names, sealed_headers, enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [id, userId, fields.name, fields.url, fields.headerNames, fields.sealedHeaders, fields.enabled],
    );
    return toStored(userId, rows[0]!);
  }

  async count(userId: string): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>(
      'SELECT count(*) FROM mcp_servers WHERE user_id = $1',
      [userId],
    );
    return Number(rows[0]?.count ?? 0);
  }

  async find(userId: string, id: string): Promise<StoredMcpServer | null> {
    const rows = await this.query(`SELECT ${COLUMNS} FROM mcp_servers WHERE user_id = $1 AND id = $2`, [
      userId,
      id,
    ]);
    return rows[0] ? toStored(userId, rows[0]) : null;
  }

  /** The user's servers among `ids` (ids that are not uuids, or not theirs, are skipped). */
  async findMany(userId: string, ids: readonly string[]): Promise<StoredMcpServer[]> {
    const uuids = ids.filter((id) => UUID.test(id));
    if (uuids.length === 0) return [];
    const rows = await this.query(
      `SELECT ${COLUMNS} FROM mcp_servers WHERE user_id = $1 AND id = ANY($2::uuid[]) ORDER BY name`,
      [userId, uuids],
    );
    return rows.map((row) => toStored(userId, row));
  }

  async list(userId: string): Promise<StoredMcpServer[]> {
    const rows = await this.query(`SELECT ${COLUMNS} FROM mcp_servers WHERE user_id = $1 ORDER BY name`, [
      userId,
    ]);
    return rows.map((row) => toStored(userId, row));
  }

  async replace(userId: string, id: string, fields: McpServerFields): Promise<StoredMcpServer | null> {
    const rows = await this.query(
      `UPDATE mcp_servers SET name = $3, url = $4, header_names = $5, sealed_headers = $6, enabled = $7,
         updated_at = now()
       WHERE user_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [userId, id, fields.name, fields.url, fields.headerNames, fields.sealedHeaders, fields.enabled],
    );
    return rows[0] ? toStored(userId, rows[0]) : null;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM mcp_servers WHERE user_id = $1 AND id = $2', [
      userId,
      id,
    ]);
    return (rowCount ?? 0) > 0;
  }

  private async query(sql: string, params: unknown[]): Promise<McpServerRow[]> {
    try {
      return (await this.pool.query<McpServerRow>(sql, params)).rows;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new McpServerNameTakenError();
      throw error;
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toStored(userId: string, row: McpServerRow): StoredMcpServer {
  return {
    id: row.id,
    userId,
    name: row.name,
    url: row.url,
    headerNames: row.header_names,
    sealedHeaders: row.sealed_headers,
    enabled: row.enabled,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
