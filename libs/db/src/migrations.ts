import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SchemaContainer } from '@prisma/schema-engine-wasm' with { 'resolution-mode': 'import' };
import { listMigrationFolders, readMigrationsList, writeMigration } from './migrations-directory';
import { nextMigrationFolder } from './migration-name';
import { withPgClient } from './pg-client';
import {
  openSchemaEngine,
  OpenSchemaEngineOptions,
  SchemaEngineSession,
  toSchemaEngineError,
} from './schema-engine';
import { assertSchemaName, quoteIdentifier } from './schema-name';

const NO_FILTERS = { externalTables: [], externalEnums: [] };
const DIFF_HAS_CHANGES = 2;

export interface ApplyMigrationsOptions {
  /** Folder holding `schema.prisma` and `migrations/`. */
  readonly prismaDir: string;
  readonly databaseUrl: string;
  /** Postgres schema to migrate; created when missing. */
  readonly schema: string;
  readonly connectTimeoutMs?: number;
}

export interface ApplyMigrationsResult {
  /** Folder names applied by this call, in order; empty when the schema was up to date. */
  readonly applied: string[];
}

export interface CreateMigrationOptions {
  readonly prismaDir: string;
  /** Human name, normalised to snake_case for the folder. */
  readonly name: string;
  /** Server used for the throwaway shadow database the engine replays existing migrations into. */
  readonly databaseUrl: string;
  readonly connectTimeoutMs?: number;
  readonly now?: Date;
}

export interface CreatedMigration {
  /** `<YYYYMMDDHHMMSS>_<name>`, also the name recorded in `_prisma_migrations`. */
  readonly folder: string;
  readonly file: string;
  readonly sql: string;
}

/** Applies pending migrations into `schema`, recording them in that schema's `_prisma_migrations`. */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const schema = assertSchemaName(options.schema);
  await withPgClient(
    options.databaseUrl,
    (client) => client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`),
    options.connectTimeoutMs,
  );
  const migrationsList = await readMigrationsList(path.join(options.prismaDir, 'migrations'));
  return withEngine(
    {
      databaseUrl: options.databaseUrl,
      schema,
      schemaFile: await readSchemaFile(options.prismaDir, true),
      connectTimeoutMs: options.connectTimeoutMs,
    },
    async ({ engine }) => {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
      return { applied: appliedMigrationNames };
    },
  );
}

/**
 * Writes `migrations/<timestamp>_<name>/migration.sql` with the SQL that takes the existing migrations
 * to `schema.prisma`. Returns null, writing nothing, when there is no difference.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<CreatedMigration | null> {
  const migrationsDir = path.join(options.prismaDir, 'migrations');
  const schemaFile = await readSchemaFile(options.prismaDir, false);
  const existing = await listMigrationFolders(migrationsDir);
  // Always from the (possibly empty) migration history: diffing from `empty` would open the script
  // with `CREATE SCHEMA IF NOT EXISTS "public"`.
  const from = { tag: 'migrations' as const, ...(await readMigrationsList(migrationsDir)) };
  // No `schema` on purpose: the engine would otherwise emit `CREATE SCHEMA "<name>"` and the SQL
  // must apply into any schema (chat, t_<run>_chat, ...) through search_path.
  const sql = await withEngine(
    { databaseUrl: options.databaseUrl, schemaFile, connectTimeoutMs: options.connectTimeoutMs },
    async ({ engine }) => {
      const diff = await engine.diff({
        from,
        to: { tag: 'schemaDatamodel', files: [schemaFile] },
        script: true,
        exitCode: true,
        filters: NO_FILTERS,
      });
      return diff.exitCode === DIFF_HAS_CHANGES ? (diff.stdout ?? '') : null;
    },
  );
  if (sql === null) return null;
  const folder = nextMigrationFolder(options.name, existing, options.now ?? new Date());
  const file = await writeMigration(migrationsDir, folder, sql);
  return { folder, file, sql };
}

async function readSchemaFile(prismaDir: string, optional: boolean): Promise<SchemaContainer> {
  const file = path.join(prismaDir, 'schema.prisma');
  try {
    return { path: file, content: await readFile(file, 'utf8') };
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return { path: file, content: '' };
    throw error;
  }
}

async function withEngine<T>(
  options: OpenSchemaEngineOptions,
  work: (session: SchemaEngineSession) => Promise<T>,
): Promise<T> {
  const session = await openSchemaEngine(options);
  try {
    return await work(session);
  } catch (error) {
    throw toSchemaEngineError(error);
  } finally {
    await session.close();
  }
}
