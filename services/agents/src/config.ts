import { z } from 'zod';
import { configFields, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';

export const AgentsConfigSchema = ServiceConfigSchema.extend({
  PORT: configFields.port(3107),
  /** `/metrics` (Prometheus) is served here only, never on PORT. */
  METRICS_PORT: configFields.port(9471),
});
export type AgentsConfig = z.infer<typeof AgentsConfigSchema>;

export const loadAgentsConfig = (env: NodeJS.ProcessEnv = process.env): AgentsConfig =>
  loadConfig(AgentsConfigSchema, env);
