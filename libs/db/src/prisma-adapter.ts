import { PrismaPg } from '@prisma/adapter-pg';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './pg-client';
import { assertSchemaName, searchPathOption } from './schema-name';

export interface PrismaAdapterOptions {
  readonly databaseUrl: string;
  /** Postgres schema the service's tables live in (DATABASE_SCHEMA, default the service name). */
  readonly schema: string;
  readonly poolSize?: number;
  readonly connectTimeoutMs?: number;
}

/** A PrismaPg adapter bound to one schema: pass it to a generated `new PrismaClient({ adapter })`. */
export function createPrismaAdapter(options: PrismaAdapterOptions): PrismaPg {
  const schema = assertSchemaName(options.schema);
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
