import { z } from 'zod';
import { configFields, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';

const optionalSecret = z.string().min(1).optional();
const optionalUrl = z.url().optional();
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const SearchConfigSchema = ServiceConfigSchema.extend({
  PORT: configFields.port(3103),
  /** `/metrics` (Prometheus) is served here only, never on PORT. */
  METRICS_PORT: configFields.port(9467),

  /** `<provider>/<model>`: `offline/lexical-v1` (no download, lexical) or `openai/<model>`. */
  SEARCH_EMBEDDING_MODEL: z
    .string()
    .regex(/^[a-z0-9-]+\/[A-Za-z0-9._:-]+$/, 'must be <provider>/<model>, e.g. offline/lexical-v1')
    .default('offline/lexical-v1'),
  /** Vector size; unset takes the model's own (offline 384, text-embedding-3-small 1536). */
  SEARCH_EMBEDDING_DIMENSIONS: count(16, 8192).optional(),
  SEARCH_EMBEDDING_BATCH_INPUTS: count(1, 2048).default(256),
  SEARCH_EMBEDDING_BATCH_TOKENS: count(1_000, 300_000).default(100_000),
  SEARCH_EMBEDDING_TIMEOUT_MS: configFields.milliseconds(60_000),
  SEARCH_EMBEDDING_MAX_RETRIES: count(0, 10).default(2),
  OPENAI_API_KEY: optionalSecret,
  OPENAI_BASE_URL: optionalUrl,

  SEARCH_STORE: z.enum(['lancedb', 'qdrant']).default('lancedb'),
  /** The embedded store's directory (one writer process per path). */
  SEARCH_LANCEDB_PATH: z.string().min(1).default('data/search/lancedb'),
  /** Rows an embedded index holds before its vectors get an approximate index; below it search is exact. */
  SEARCH_ANN_MIN_ROWS: count(256, 100_000_000).default(50_000),
  QDRANT_URL: optionalUrl,
  QDRANT_API_KEY: optionalSecret,
  /** Reciprocal-rank fusion constant of hybrid queries that name no fusion. */
  SEARCH_RRF_K: count(1, 1_000).default(60),
});
export type SearchConfig = z.infer<typeof SearchConfigSchema>;

export function loadSearchConfig(env: NodeJS.ProcessEnv = process.env): SearchConfig {
  const config = loadConfig(SearchConfigSchema, env);
  if (config.SEARCH_STORE === 'qdrant' && config.QDRANT_URL === undefined) {
    throw new Error('Invalid configuration:\n  QDRANT_URL: required when SEARCH_STORE=qdrant');
  }
  return config;
}
