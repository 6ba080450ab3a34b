import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@conduit/service-kit';

/** How many abandoned answers one sweep marks; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

// Database time on both sides of a lease, so replicas' clocks never matter.
const RENEW = `
UPDATE chat_messages SET lease_expires_at = now() + $2 * interval '1 millisecond'
WHERE id = ANY($1::uuid[]) AND status = 'streaming'`;

// SKIP LOCKED: a row being renewed (or swept by another replica) right now is not this sweep's.
const INTERRUPT_EXPIRED = `
UPDATE chat_messages SET status = 'interrupted', error_code = 'STREAM_LOST', lease_expires_at = NULL,
                         updated_at = now()
WHERE id IN (
  SELECT id FROM chat_messages
  WHERE status = 'streaming' AND lease_expires_at < now()
  ORDER BY lease_expires_at
  LIMIT ${SWEEP_BATCH}
  FOR UPDATE SKIP LOCKED
)
RETURNING id`;

/**
 * Leases on answers being generated: the replica producing an answer renews its lease while it runs;
 * an answer whose lease ran out lost its replica.
 */
@Injectable()
export class AnswerLeaseRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async renew(messageIds: readonly string[], leaseMs: number): Promise<void> {
    if (messageIds.length === 0) return;
    await this.pool.query(RENEW, [messageIds, leaseMs]);
  }

  /** Marks answers whose lease ran out as interrupted, keeping the text saved so far; their ids. */
  async interruptExpired(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(INTERRUPT_EXPIRED);
    return rows.map((row) => row.id);
  }
}
