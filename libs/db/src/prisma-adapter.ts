import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './pg-client';
import { assertSchemaName, searchPathOption } from './schema-name';

export interface PrismaAdapterOptions {
  readonly databaseUrl: string;
  /** Postgres schema the service's tables live in (DATABASE_SCHEMA, default the service name). */
  readonly schema: string;
  readonly poolSize?: number;
  readonly connectTimeoutMs?: number;
}

export interface PrismaAdapterOnPoolOptions {
  /** The process's pool (from {@link createPgPool} with the same schema); the adapter never ends it. */
  readonly pool: Pool;
  readonly schema: string;
}

/**
 * A PrismaPg adapter bound to one schema: pass it to a generated `new PrismaClient({ adapter })`. Given
 * a pool it runs on that pool, so Prisma and raw SQL share one set of connections; otherwise it opens
 * its own.
 */
export function createPrismaAdapter(options: PrismaAdapterOptions | PrismaAdapterOnPoolOptions): PrismaPg {
  const schema = assertSchemaName(options.schema);
  if ('pool' in options) return new PrismaPg(options.pool, { schema });
  return new PrismaPg(
    {
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // `schema` below qualifies the tables in generated queries; search_path also covers what the
      // query compiler leaves unqualified (enum casts, raw queries).
      options: searchPathOption(schema),
    },
    { schema },
  );
}
