import { Client } from 'pg';
import { DatabaseConnectionError, describeConnectionFailure } from './database-connection-error';
import { parseDatabaseUrl } from './database-url';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Runs `work` on a fresh connection and always closes it; connection failures become DatabaseConnectionError. */
export async function withPgClient<T>(
  databaseUrl: string,
  work: (client: Client) => Promise<T>,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<T> {
  parseDatabaseUrl(databaseUrl);
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: connectTimeoutMs });
  // An idle client whose server goes away emits 'error'; without a listener that would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DatabaseConnectionError(databaseUrl, describeConnectionFailure(error, connectTimeoutMs), {
      cause: error,
    });
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
