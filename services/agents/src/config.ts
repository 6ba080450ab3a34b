import { z } from 'zod';
import { configFields, DatabaseConfigSchema, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';
import { checkMasterKeyConfig, MasterKeyConfigSchema } from './crypto/master-key-config';

export const AgentsConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(MasterKeyConfigSchema.shape)
  .extend({
    PORT: configFields.port(3107),
    /** `/metrics` (Prometheus) is served here only, never on PORT. */
    METRICS_PORT: configFields.port(9471),
    DATABASE_SCHEMA: configFields.schemaName().default('agents'),
  })
  .superRefine(checkMasterKeyConfig);
export type AgentsConfig = z.infer<typeof AgentsConfigSchema>;

export const loadAgentsConfig = (env: NodeJS.ProcessEnv = process.env): AgentsConfig =>
  loadConfig(AgentsConfigSchema, env);
