import { Pool } from 'pg';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './pg-client';
import { searchPathOption } from './schema-name';

/**
 * A plain `pg` pool bound to one schema, for the few queries on a latency-critical path where the ORM's
 * per-query overhead (milliseconds of CPU) matters more than its convenience.
 */
export function createPgPool(options: { databaseUrl: string; schema: string; poolSize?: number }): Pool {
  return new Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: DEFAULT_CONNECT_TIMEOUT_MS,
    options: searchPathOption(options.schema),
  });
}
