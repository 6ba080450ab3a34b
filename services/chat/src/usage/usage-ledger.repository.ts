import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { TokenUsage, UsageGroup, UsageSummary, UsageTotals } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { toNanoUsd } from './money';

export interface UsageRow {
  id: string;
  userId: string;
  apiKeyId: string | null;
  streamId: string;
  messageId: string | null;
  model: string;
  status: string;
  usage: TokenUsage;
  costUsd: number;
  createdAt: Date;
}

/** Spend in nano-USD and tokens (input plus output). */
export interface Spend {
  nanoUsd: number;
  tokens: number;
}

interface AggregateRow {
  requests: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cached_tokens: bigint;
  cost_usd: string;
  estimated_requests: bigint;
}

const AGGREGATES = Prisma.sql`
  COUNT(*)::bigint AS requests,
  COALESCE(SUM(input_tokens), 0)::bigint AS input_tokens,
  COALESCE(SUM(output_tokens), 0)::bigint AS output_tokens,
  COALESCE(SUM(cached_tokens), 0)::bigint AS cached_tokens,
  COALESCE(SUM(cost_usd), 0)::text AS cost_usd,
  (COUNT(*) FILTER (WHERE estimated))::bigint AS estimated_requests`;

const INSERT_USAGE_RECORD = `
INSERT INTO usage_records (id, user_id, api_key_id, stream_id, message_id, model, status,
                           input_tokens, output_tokens, cached_tokens, estimated, cost_usd, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

/**
 * The usage ledger: one row per completion; every read is scoped to one user. The write, made at the
 * end of every completion, is plain SQL (the ORM's per-query CPU adds up on that path); the reads are not.
 */
@Injectable()
export class UsageLedgerRepository {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async insert(row: UsageRow): Promise<void> {
    await this.pool.query(INSERT_USAGE_RECORD, [
      row.id,
      row.userId,
      row.apiKeyId,
      row.streamId,
      row.messageId,
      row.model,
      row.status,
      row.usage.inputTokens,
      row.usage.outputTokens,
      row.usage.cachedTokens,
      row.usage.estimated,
      row.costUsd.toFixed(8),
      row.createdAt,
    ]);
  }

  /** What a user (or one of their keys, given `apiKeyId`) spent in `[start, end)`. */
  async spent(userId: string, apiKeyId: string | null, start: Date, end: Date): Promise<Spend> {
    const result = await this.prisma.usageRecord.aggregate({
      where: {
        userId,
        ...(apiKeyId === null ? {} : { apiKeyId }),
        createdAt: { gte: start, lt: end },
      },
      _sum: { costUsd: true, inputTokens: true, outputTokens: true },
    });
    return {
      nanoUsd: toNanoUsd(result._sum.costUsd?.toNumber() ?? 0),
      tokens: (result._sum.inputTokens ?? 0) + (result._sum.outputTokens ?? 0),
    };
  }

  async summarize(
    userId: string,
    from: Date,
    to: Date,
    groups: readonly UsageGroup[],
  ): Promise<Omit<UsageSummary, 'from' | 'to'>> {
    const where = Prisma.sql`WHERE user_id = ${userId} AND created_at >= ${from} AND created_at < ${to}`;
    const [totals] = await this.prisma.$queryRaw<AggregateRow[]>`
      SELECT ${AGGREGATES} FROM usage_records ${where}`;
    const summary: Omit<UsageSummary, 'from' | 'to'> = { totals: totalsOf(totals) };
    if (groups.includes('day')) {
      const rows = await this.prisma.$queryRaw<(AggregateRow & { day: string })[]>`
        SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, ${AGGREGATES}
        FROM usage_records ${where} GROUP BY 1 ORDER BY 1`;
      summary.byDay = rows.map((row) => ({ day: row.day, ...totalsOf(row) }));
    }
    if (groups.includes('model')) {
      const rows = await this.prisma.$queryRaw<(AggregateRow & { model: string })[]>`
        SELECT model, ${AGGREGATES}
        FROM usage_records ${where} GROUP BY model ORDER BY SUM(cost_usd) DESC, model`;
      summary.byModel = rows.map((row) => ({ model: row.model, ...totalsOf(row) }));
    }
    if (groups.includes('apiKey')) {
      const rows = await this.prisma.$queryRaw<(AggregateRow & { api_key_id: string | null })[]>`
        SELECT api_key_id, ${AGGREGATES}
        FROM usage_records ${where} GROUP BY api_key_id ORDER BY SUM(cost_usd) DESC, api_key_id NULLS FIRST`;
      summary.byApiKey = rows.map((row) => ({ apiKeyId: row.api_key_id, ...totalsOf(row) }));
    }
    return summary;
  }
}

function totalsOf(row: AggregateRow | undefined): UsageTotals {
  if (!row) {
    return {
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      cachedTokens: 0,
      costUsd: 0,
      estimatedRequests: 0,
    };
  }
  return {
    requests: Number(row.requests),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cachedTokens: Number(row.cached_tokens),
    costUsd: Number(row.cost_usd),
    estimatedRequests: Number(row.estimated_requests),
  };
}
