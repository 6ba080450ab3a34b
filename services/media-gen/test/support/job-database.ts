import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { StoredImageJobInputSchema } from '@conduit/contracts';
import { createPgPool, migrateServiceSchema } from '@conduit/db';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import { JobRepository, type NewJob } from '../../src/jobs/job.repository';

export interface JobDatabase {
  readonly pool: Pool;
  readonly jobs: JobRepository;
  close(): Promise<void>;
}

/** The media-gen schema, migrated in a namespace of its own on the test Postgres, and its job repository. */
export async function openJobDatabase(): Promise<JobDatabase> {
  const infra = testEnv();
  const schema = isolatedNamespace('media-gen').schemaFor('media-gen');
  const { drop } = await migrateServiceSchema('media-gen', infra.databaseUrl, schema);
  const pool = createPgPool({ databaseUrl: infra.databaseUrl, schema, poolSize: 2 });
  return {
    pool,
    jobs: new JobRepository(pool),
    close: async () => {
      await pool.end();
      await drop();
    },
  };
}

/** A new image job of `userId` on the offline model, its input hash unique unless it has a key. */
export function newImageJob(userId: string, idempotencyKey: string | null = null): NewJob {
  const id = randomUUID();
  return {
    id,
    userId,
    apiKeyId: null,
    kind: 'image',
    model: 'offline/placeholder',
    input: StoredImageJobInputSchema.parse({ prompt: 'a lighthouse' }),
    inputHash: `hash-${idempotencyKey ?? id}`,
    idempotencyKey,
  };
}
