import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { withDatabase } from './database-url';
import { PgCharAsTextClient } from './pg-char-as-text-client';
import { quoteIdentifier, searchPathOption } from './schema-name';

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

export interface MigrationAdapterSettings {
  readonly databaseUrl: string;
  /** Schema to migrate; omitted for diffs, which must not name one. */
  readonly schema?: string;
  readonly connectTimeoutMs: number;
}

/**
 * The PrismaPg factory the schema engine runs migrations through. It fixes three things adapter-pg
 * 7.10 gets wrong for the engine:
 * - the engine creates the adapter's schema but never sets search_path, so tables and
 *   `_prisma_migrations` would land in `public`: every connection gets `search_path=<schema>`;
 * - `connectToShadowDb` spreads `database` next to `connectionString`, and pg lets the connection
 *   string win, so the "shadow" replay runs in the real database: here the URL itself is rewritten;
 * - `executeScript` splits on every `;`, breaking literals and function bodies: scripts go to
 *   Postgres whole, as Prisma's native engine sends them (one implicit transaction).
 */
export class MigrationAdapterFactory extends PrismaPg {
  private readonly pool: Pool;

  constructor(private readonly settings: MigrationAdapterSettings) {
    const pool = createPool(settings);
    super(pool, settings.schema === undefined ? undefined : { schema: settings.schema });
    this.pool = pool;
  }

  async end(): Promise<void> {
    await this.pool.end();
  }

  override async connect(): Promise<PgAdapter> {
    return sendScriptsWhole(await super.connect());
  }

  override async connectToShadowDb(): Promise<PgAdapter> {
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await this.pool.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    const shadowFactory = new MigrationAdapterFactory({
      databaseUrl: withDatabase(this.settings.databaseUrl, database),
      connectTimeoutMs: this.settings.connectTimeoutMs,
    });
    const shadow = await shadowFactory.connect();
    shadow.dispose = async () => {
      await shadowFactory.end();
      await this.pool.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
    };
    return shadow;
  }
}

function createPool(settings: MigrationAdapterSettings): Pool {
  const pool = new Pool({
    connectionString: settings.databaseUrl,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    Client: PgCharAsTextClient,
    ...(settings.schema === undefined ? {} : { options: searchPathOption(settings.schema) }),
  });
  // Idle clients whose server goes away emit 'error'; unhandled, that would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

function sendScriptsWhole(adapter: PgAdapter): PgAdapter {
  const pool = adapter.underlyingDriver();
  adapter.executeScript = async (script: string): Promise<void> => {
    try {
      await pool.query(script);
    } catch (error) {
      // Rethrows as the DriverAdapterError the engine knows how to report.
      (adapter as unknown as { onError(error: unknown): never }).onError(error);
    }
  };
  return adapter;
}
