import { Inject, Injectable } from '@nestjs/common';
import type { Spend, UsageGroup, UsageRecordedEvent, UsageSummary, UsageTotals } from '@conduit/contracts';
import { toNanoUsd } from '@conduit/metering';
import { PG_POOL } from '@conduit/service-kit';
import type { Pool } from 'pg';

interface AggregateRow {
  requests: string;
  input_tokens: string;
  output_tokens: string;
  cached_tokens: string;
  characters: string;
  seconds: string;
  images: string;
  steps: string;
  cost_usd: string;
  estimated_requests: string;
}

const AGGREGATES = `
  COUNT(*)::bigint AS requests,
  COALESCE(SUM(input_tokens), 0)::bigint AS input_tokens,
  COALESCE(SUM(output_tokens), 0)::bigint AS output_tokens,
  COALESCE(SUM(cached_tokens), 0)::bigint AS cached_tokens,
  COALESCE(SUM(characters), 0)::bigint AS characters,
  COALESCE(SUM(seconds), 0)::text AS seconds,
  COALESCE(SUM(images), 0)::bigint AS images,
  COALESCE(SUM(steps), 0)::bigint AS steps,
  COALESCE(SUM(cost_usd), 0)::text AS cost_usd,
  (COUNT(*) FILTER (WHERE estimated))::bigint AS estimated_requests`;

/**
 * Many records in one statement (one JSON document, a row each); returns the ids written. A record
 * delivered twice (JetStream redelivery, a publisher's retry) keeps its first row. A named prepared
 * statement: each pooled connection has Postgres parse and plan it once, not for every batch.
 */
const INSERT_RECORDS = {
  name: 'usage.records.insert',
  text: `
INSERT INTO usage_records (id, user_id, api_key_id, service, model, status, input_tokens, output_tokens,
                           cached_tokens, characters, seconds, images, steps, estimated, cost_usd,
                           reference, created_at)
SELECT id, user_id, api_key_id, service, model, status, input_tokens, output_tokens, cached_tokens,
       characters, seconds, images, steps, estimated, cost_usd, reference, created_at
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, user_id text, api_key_id text, service text, model text,
     status text, input_tokens integer, output_tokens integer, cached_tokens integer, characters integer,
     seconds numeric, images integer, steps integer, estimated boolean, cost_usd numeric, reference text,
     created_at timestamptz)
ON CONFLICT (id) DO NOTHING
RETURNING id`,
};

const WHERE_USER_RANGE = 'WHERE user_id = $1 AND created_at >= $2 AND created_at < $3';

/** The usage ledger: one row per metered call; every read is scoped to one user. */
@Injectable()
export class UsageLedgerRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Writes every record in one statement; @returns the ids of those that were already in the ledger. */
  async insertMany(records: readonly UsageRecordedEvent[]): Promise<string[]> {
    const rows = records.map((record) => {
      const q = record.quantities;
      return {
        id: record.recordId,
        user_id: record.userId,
        api_key_id: record.apiKeyId,
        service: record.service,
        model: record.model,
        status: record.status,
        input_tokens: q.inputTokens ?? 0,
        output_tokens: q.outputTokens ?? 0,
        cached_tokens: q.cachedTokens ?? 0,
        characters: q.characters ?? 0,
        seconds: q.seconds ?? 0,
        images: q.images ?? 0,
        steps: q.steps ?? 0,
        estimated: record.estimated,
        cost_usd: record.costUsd.toFixed(8),
        reference: record.reference,
        created_at: record.occurredAt,
      };
    });
    const { rows: written } = await this.pool.query<{ id: string }>({
      ...INSERT_RECORDS,
      values: [JSON.stringify(rows)],
    });
    const writtenIds = new Set(written.map((row) => row.id));
    return records.map((record) => record.recordId).filter((id) => !writtenIds.has(id));
  }

  /** What a user (or one of their keys, given `apiKeyId`) spent in `[start, end)`: nano-USD and input plus output tokens. */
  async spent(userId: string, apiKeyId: string | null, start: Date, end: Date): Promise<Spend> {
    const { rows } = await this.pool.query<{ cost_usd: string; tokens: string }>(
      `SELECT COALESCE(SUM(cost_usd), 0)::text AS cost_usd,
              COALESCE(SUM(input_tokens + output_tokens), 0)::bigint AS tokens
       FROM usage_records ${WHERE_USER_RANGE}${apiKeyId === null ? '' : ' AND api_key_id = $4'}`,
      apiKeyId === null ? [userId, start, end] : [userId, start, end, apiKeyId],
    );
    const row = rows[0];
    return { nanoUsd: toNanoUsd(Number(row?.cost_usd ?? 0)), tokens: Number(row?.tokens ?? 0) };
  }

  async summarize(
    userId: string,
    from: Date,
    to: Date,
    groups: readonly UsageGroup[],
  ): Promise<Omit<UsageSummary, 'from' | 'to'>> {
    const params = [userId, from, to];
    const query = <R>(sql: string) => this.pool.query<AggregateRow & R>(sql, params).then((r) => r.rows);
    const [totals] = await query(`SELECT ${AGGREGATES} FROM usage_records ${WHERE_USER_RANGE}`);
    const summary: Omit<UsageSummary, 'from' | 'to'> = { totals: totalsOf(totals) };
    if (groups.includes('day')) {
      const rows = await query<{ day: string }>(
        `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, ${AGGREGATES}
         FROM usage_records ${WHERE_USER_RANGE} GROUP BY 1 ORDER BY 1`,
      );
      summary.byDay = rows.map((row) => ({ day: row.day, ...totalsOf(row) }));
    }
    if (groups.includes('model')) {
      const rows = await query<{ model: string }>(
        `SELECT model, ${AGGREGATES}
         FROM usage_records ${WHERE_USER_RANGE} GROUP BY model ORDER BY SUM(cost_usd) DESC, model`,
      );
      summary.byModel = rows.map((row) => ({ model: row.model, ...totalsOf(row) }));
    }
    if (groups.includes('apiKey')) {
      const rows = await query<{ api_key_id: string | null }>(
        `SELECT api_key_id, ${AGGREGATES}
         FROM usage_records ${WHERE_USER_RANGE}
         GROUP BY api_key_id ORDER BY SUM(cost_usd) DESC, api_key_id NULLS FIRST`,
      );
      summary.byApiKey = rows.map((row) => ({ apiKeyId: row.api_key_id, ...totalsOf(row) }));
    }
    if (groups.includes('service')) {
      const rows = await query<{ service: string }>(
        `SELECT service, ${AGGREGATES}
         FROM usage_records ${WHERE_USER_RANGE} GROUP BY service ORDER BY SUM(cost_usd) DESC, service`,
      );
      summary.byService = rows.map((row) => ({ service: row.service, ...totalsOf(row) }));
    }
    return summary;
  }
}

function totalsOf(row: AggregateRow | undefined): UsageTotals {
  return {
    requests: Number(row?.requests ?? 0),
    inputTokens: Number(row?.input_tokens ?? 0),
    outputTokens: Number(row?.output_tokens ?? 0),
    cachedTokens: Number(row?.cached_tokens ?? 0),
    characters: Number(row?.characters ?? 0),
    seconds: Number(row?.seconds ?? 0),
    images: Number(row?.images ?? 0),
    steps: Number(row?.steps ?? 0),
    costUsd: Number(row?.cost_usd ?? 0),
    estimatedRequests: Number(row?.estimated_requests ?? 0),
  };
}
