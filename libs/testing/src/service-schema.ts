import { join } from 'node:path';
import { applyMigrations, dropSchema, ensureDatabase } from '@conduit/db';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Creates a service's tables in a fresh schema from its real migrations; returns the matching cleanup. */
export async function migrateServiceSchema(
  service: string,
  databaseUrl: string,
  schema: string,
): Promise<{ drop: () => Promise<void> }> {
  await ensureDatabase(databaseUrl);
  await applyMigrations({ prismaDir: join(REPO_ROOT, 'services', service, 'prisma'), databaseUrl, schema });
  return { drop: () => dropSchema(databaseUrl, schema) };
}
