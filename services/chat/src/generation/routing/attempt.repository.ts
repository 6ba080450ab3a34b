import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { PG_POOL } from '@conduit/service-kit';
import type { AttemptRecord } from './model-router';

// Every attempt of one completion in one statement: each array is a column, one element per attempt.
const INSERT_ATTEMPTS = `
INSERT INTO generation_attempts (id, stream_id, message_id, user_id, model, outcome, error_code, duration_ms, started_at)
SELECT id, $2::uuid, $3::uuid, $4::text, model, outcome, error_code, duration_ms, started_at
FROM UNNEST($1::uuid[], $5::text[], $6::text[], $7::text[], $8::int[], $9::timestamptz[])
  AS attempt(id, model, outcome, error_code, duration_ms, started_at)`;

/**
 * Stores every provider attempt (model, outcome, duration) for later analysis of fallbacks and failures.
 * Written at the end of every completion, so in plain SQL rather than through the ORM.
 */
@Injectable()
export class AttemptRepository {
  private readonly logger = new Logger(AttemptRepository.name);

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Never throws: losing the attempt log must not fail the answer it describes. */
  async record(
    stream: { streamId: string; messageId: string | null; userId: string },
    attempts: AttemptRecord[],
  ): Promise<void> {
    if (attempts.length === 0) return;
    try {
      await this.pool.query(INSERT_ATTEMPTS, [
        attempts.map(() => randomUUID()),
        stream.streamId,
        stream.messageId,
        stream.userId,
        attempts.map((a) => a.model),
        attempts.map((a) => a.outcome),
        attempts.map((a) => a.errorCode),
        attempts.map((a) => a.durationMs),
        attempts.map((a) => a.startedAt),
      ]);
    } catch (error) {
      this.logger.error(
        `could not record ${attempts.length} attempt(s) of stream ${stream.streamId}: ${String(error)}`,
      );
    }
  }
}
