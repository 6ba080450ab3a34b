import { withDatabase, parseDatabaseUrl } from './database-url';
import { DatabaseConnectionError } from './database-connection-error';
import { withPgClient } from './pg-client';
import { assertSchemaName, quoteIdentifier } from './schema-name';

const DUPLICATE_DATABASE = '42P04';

/** Creates the database named in `databaseUrl` unless it exists, connecting to `postgres` to do so. */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const { database } = parseDatabaseUrl(databaseUrl);
  try {
    await withPgClient(databaseUrl, async () => undefined);
    return { created: false };
  } catch (error) {
    if (!(error instanceof DatabaseConnectionError && pgCode(error.cause) === '3D000')) throw error;
  }
  return withPgClient(withDatabase(databaseUrl, 'postgres'), async (client) => {
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
      return { created: true };
    } catch (error) {
      if (pgCode(error) === DUPLICATE_DATABASE) return { created: false };
      throw error;
    }
  });
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  await withPgClient(databaseUrl, async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(assertSchemaName(schema))} CASCADE`);
  });
}

function pgCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
