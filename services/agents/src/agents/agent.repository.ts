import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Agent, AgentLimits, CreateAgent } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';

export interface AgentRow {
  id: string;
  seq: string;
  name: string;
  description: string;
  instructions: string;
  model: string;
  tools: string[];
  mcp_servers: string[];
  connectors: string[];
  limits: AgentLimits;
  created_at: Date;
  updated_at: Date;
}

/** A stored agent and its position in its owner's list. */
export interface StoredAgent {
  agent: Agent;
  seq: string;
}

/** Every field of an agent as it is written, limits complete. */
export type AgentFields = Omit<CreateAgent, 'limits'> & { limits: AgentLimits };

export const AGENT_COLUMNS = `id, seq::text, name, description, instructions, model, tools, mcp_servers, connectors,
  limits, created_at, updated_at`;

/** Agent definitions; every query is scoped to the owner. */
@Injectable()
export class AgentRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(userId: string, id: string, fields: AgentFields): Promise<StoredAgent> {
    const { rows } = await this.pool.query<AgentRow>(
      `INSERT INTO agents (id, user_id, name, description, instructions, model, tools, mcp_servers,
         connectors, limits)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       RETURNING ${AGENT_COLUMNS}`,
      [id, userId, ...values(fields)],
    );
    return toStored(rows[0]!);
  }

  async find(userId: string, id: string): Promise<StoredAgent | null> {
    const { rows } = await this.pool.query<AgentRow>(
      `SELECT ${AGENT_COLUMNS} FROM agents WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  /** Newest first, after the row with sequence number `beforeSeq` when given. */
  async page(userId: string, limit: number, beforeSeq: string | null): Promise<StoredAgent[]> {
    const { rows } = await this.pool.query<AgentRow>(
      `SELECT ${AGENT_COLUMNS} FROM agents
        WHERE user_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint)
        ORDER BY seq DESC LIMIT $3`,
      [userId, beforeSeq, limit],
    );
    return rows.map(toStored);
  }

  async replace(userId: string, id: string, fields: AgentFields): Promise<StoredAgent | null> {
    const { rows } = await this.pool.query<AgentRow>(
      `UPDATE agents SET name = $3, description = $4, instructions = $5, model = $6, tools = $7,
         mcp_servers = $8, connectors = $9, limits = $10, updated_at = now()
       WHERE user_id = $1 AND id = $2
       RETURNING ${AGENT_COLUMNS}`,
      [userId, id, ...values(fields)],
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM agents WHERE user_id = $1 AND id = $2`, [
      userId,
      id,
    ]);
    return (rowCount ?? 0) > 0;
  }
}

function values(fields: AgentFields): unknown[] {
  return [
    fields.name,
    fields.description,
    fields.instructions,
    fields.model,
    fields.tools,
    fields.mcpServers,
    fields.connectors,
    JSON.stringify(fields.limits),
  ];
}

export function toStored(row: AgentRow): StoredAgent {
  return {
    seq: row.seq,
    agent: {
      id: row.id,
      name: row.name,
      description: row.description,
      instructions: row.instructions,
      model: row.model,
      tools: row.tools,
      mcpServers: row.mcp_servers,
      connectors: row.connectors,
      limits: row.limits,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    },
  };
}
