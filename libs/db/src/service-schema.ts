import { ensureDatabase, dropSchema } from './database-admin';
import { applyMigrations } from './migrations';
import { findRepoRoot, servicePrismaDir } from './service-layout';

/** Creates a service's tables in the given schema from its real migrations; returns the matching cleanup. */
export async function migrateServiceSchema(
  service: string,
  databaseUrl: string,
  schema: string,
): Promise<{ drop: () => Promise<void> }> {
  await ensureDatabase(databaseUrl);
  await applyMigrations({
    prismaDir: servicePrismaDir(findRepoRoot(__dirname), service),
    databaseUrl,
    schema,
  });
  return { drop: () => dropSchema(databaseUrl, schema) };
}
