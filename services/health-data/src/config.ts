import { z } from 'zod';
import { configFields, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';

export const HealthDataConfigSchema = ServiceConfigSchema.extend({
  PORT: configFields.port(3106),
  /** `/metrics` (Prometheus) is served here only, never on PORT. */
  METRICS_PORT: configFields.port(9470),
});
export type HealthDataConfig = z.infer<typeof HealthDataConfigSchema>;

export const loadHealthDataConfig = (env: NodeJS.ProcessEnv = process.env): HealthDataConfig =>
  loadConfig(HealthDataConfigSchema, env);
