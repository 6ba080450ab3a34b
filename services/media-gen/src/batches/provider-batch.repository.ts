import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@conduit/service-kit';
import type { StoredBatchRequest } from './batch.repository';
import type { ProviderBatchUsage } from './batch-metering';

/** The provider-routed lines of a batch, and the provider batches they were submitted in. */
@Injectable()
export class ProviderBatchRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Models with provider lines still to run, or a provider batch whose results are not all in yet. */
  async unfinishedModels(batchId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ model: string }>(
      `SELECT DISTINCT model FROM batch_requests
         WHERE batch_id = $1 AND route = 'provider' AND status = 'pending' AND model IS NOT NULL
       UNION SELECT model FROM batch_provider_jobs WHERE batch_id = $1 AND status <> 'ended'`,
      [batchId],
    );
    return rows.map((r) => r.model);
  }

  async pendingRequests(batchId: string, model: string): Promise<StoredBatchRequest[]> {
    const { rows } = await this.pool.query<StoredBatchRequest>(
      `SELECT line, custom_id AS "customId", body, model, route, status, response, error FROM batch_requests
       WHERE batch_id = $1 AND model = $2 AND route = 'provider' AND status = 'pending' ORDER BY line`,
      [batchId, model],
    );
    return rows;
  }

  /** Hands a model's pending lines to the chat service (its provider's batch API is no longer configured). */
  async rerouteToChat(batchId: string, model: string): Promise<void> {
    await this.pool.query(
      `UPDATE batch_requests SET route = 'chat'
       WHERE batch_id = $1 AND model = $2 AND route = 'provider' AND status = 'pending'`,
      [batchId, model],
    );
  }

  async providerBatchId(batchId: string, model: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ id: string | null }>(
      `SELECT provider_batch_id AS id FROM batch_provider_jobs WHERE batch_id = $1 AND model = $2`,
      [batchId, model],
    );
    return rows[0]?.id ?? null;
  }

  async saveSubmitted(
    batchId: string,
    model: string,
    provider: string,
    providerBatchId: string,
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO batch_provider_jobs (batch_id, model, provider, provider_batch_id, status)
       VALUES ($1, $2, $3, $4, 'submitted')
       ON CONFLICT (batch_id, model) DO UPDATE SET provider_batch_id = $4, status = 'submitted', updated_at = now()`,
      [batchId, model, provider, providerBatchId],
    );
  }

  async markEnded(batchId: string, model: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO batch_provider_jobs (batch_id, model, provider, status) VALUES ($1, $2, '', 'ended')
       ON CONFLICT (batch_id, model) DO UPDATE SET status = 'ended', updated_at = now()`,
      [batchId, model],
    );
  }

  /** What the answered lines of a model used, read back from their stored responses. */
  async usage(batchId: string, model: string): Promise<ProviderBatchUsage> {
    const { rows } = await this.pool.query<ProviderBatchUsage>(
      `SELECT
         COALESCE(SUM((response->'body'->'usage'->>'prompt_tokens')::int), 0)::int AS "inputTokens",
         COALESCE(SUM((response->'body'->'usage'->>'completion_tokens')::int), 0)::int AS "outputTokens",
         COALESCE(SUM((response->'body'->'usage'->'prompt_tokens_details'->>'cached_tokens')::int), 0)::int
           AS "cachedTokens"
       FROM batch_requests
       WHERE batch_id = $1 AND model = $2 AND route = 'provider' AND status = 'succeeded'`,
      [batchId, model],
    );
    return rows[0] ?? { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
  }
}
