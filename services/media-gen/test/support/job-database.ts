import type { Pool } from 'pg';
import { createPgPool, migrateServiceSchema } from '@conduit/db';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import { JobRepository } from '../../src/jobs/job.repository';

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
