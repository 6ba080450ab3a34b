import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { BudgetLimit, BudgetLimits, BudgetTarget } from '@conduit/contracts';
import { toNanoUsd } from '@conduit/metering';
import { PG_POOL } from '@conduit/service-kit';
import type { Pool } from 'pg';

interface BudgetRow {
  scope: 'user' | 'api_key';
  scope_id: string;
  period: 'day' | 'month';
  limit_usd: string | null;
  limit_tokens: string | null;
  updated_at: Date;
}

const COLUMNS = 'scope, scope_id, period, limit_usd::text, limit_tokens::text, updated_at';

/** Budgets users set; every query is scoped to the owner. */
@Injectable()
export class BudgetRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The user's budget and their keys' budgets. */
  async listOwned(userId: string): Promise<BudgetLimit[]> {
    const { rows } = await this.pool.query<BudgetRow>(
      `SELECT ${COLUMNS} FROM budgets WHERE user_id = $1 ORDER BY scope, created_at`,
      [userId],
    );
    return rows.map(budgetLimitOf);
  }

  async upsert(userId: string, target: BudgetTarget, limits: BudgetLimits): Promise<void> {
    await this.pool.query(
      `INSERT INTO budgets (id, user_id, scope, scope_id, period, limit_usd, limit_tokens, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (user_id, scope, scope_id) DO UPDATE
       SET period = EXCLUDED.period, limit_usd = EXCLUDED.limit_usd,
           limit_tokens = EXCLUDED.limit_tokens, updated_at = EXCLUDED.updated_at`,
      [
        randomUUID(),
        userId,
        target.scope,
        scopeIdOf(userId, target),
        limits.period,
        limits.limitUsd === undefined ? null : limits.limitUsd.toFixed(8),
        limits.limitTokens ?? null,
      ],
    );
  }

  async delete(userId: string, target: BudgetTarget): Promise<boolean> {
    const result = await this.pool.query(
      'DELETE FROM budgets WHERE user_id = $1 AND scope = $2 AND scope_id = $3',
      [userId, target.scope, scopeIdOf(userId, target)],
    );
    return (result.rowCount ?? 0) > 0;
  }
}

export function scopeIdOf(userId: string, target: BudgetTarget): string {
  return target.scope === 'user' ? userId : target.apiKeyId;
}

function budgetLimitOf(row: BudgetRow): BudgetLimit {
  return {
    scope: row.scope,
    scopeId: row.scope_id,
    source: 'user',
    period: row.period,
    limitNanoUsd: row.limit_usd === null ? null : toNanoUsd(Number(row.limit_usd)),
    limitTokens: row.limit_tokens === null ? null : Number(row.limit_tokens),
    updatedAt: row.updated_at.toISOString(),
  };
}
