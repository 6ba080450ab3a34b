import { z } from 'zod';
import { configFields, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';

export const SearchConfigSchema = ServiceConfigSchema.extend({
  PORT: configFields.port(3103),
  /** `/metrics` (Prometheus) is served here only, never on PORT. */
  METRICS_PORT: configFields.port(9467),
});
export type SearchConfig = z.infer<typeof SearchConfigSchema>;

export const loadSearchConfig = (env: NodeJS.ProcessEnv = process.env): SearchConfig =>
  loadConfig(SearchConfigSchema, env);
