export { applyMigrations, createMigration } from './migrations';
export type {
  ApplyMigrationsOptions,
  ApplyMigrationsResult,
  CreateMigrationOptions,
  CreatedMigration,
} from './migrations';
export { ensureDatabase, dropSchema } from './database-admin';
export { createPrismaAdapter } from './prisma-adapter';
export type { PrismaAdapterOptions, PrismaAdapterOnPoolOptions } from './prisma-adapter';
export { generatePrismaClient } from './prisma-generate';
export type { GenerateOptions, GenerateResult } from './prisma-generate';
export { loadSchemaEngine, openSchemaEngine, SchemaEngineError } from './schema-engine';
export type { OpenSchemaEngineOptions, SchemaEngineSession } from './schema-engine';
export { DatabaseConnectionError } from './database-connection-error';
export { assertSchemaName } from './schema-name';
export { migrateServiceSchema } from './service-schema';
export { createPgPool } from './pg-pool';
export { inTransaction, lockKey } from './pg-transaction';
