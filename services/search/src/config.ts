import { z } from 'zod';
import { MeteringConfigSchema } from '@conduit/metering';
import { configFields, DatabaseConfigSchema, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';

const optionalSecret = z.string().min(1).optional();
const optionalUrl = z.url().optional();
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const SearchConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape)
  .extend(MeteringConfigSchema.shape)
  .extend({
    PORT: configFields.port(3103),
    /** `/metrics` (Prometheus) is served here only, never on PORT. */
    METRICS_PORT: configFields.port(9467),
    DATABASE_SCHEMA: configFields.schemaName().default('search'),

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
    /**
     * Pseudo-relevance feedback (RM3) of keyword search: first-pass chunks taken as relevant (0: plain
     * BM25), words added to the query, and the original words' share of the expanded query.
     */
    SEARCH_KEYWORD_FEEDBACK_CHUNKS: count(0, 100).default(10),
    SEARCH_KEYWORD_FEEDBACK_TERMS: count(1, 100).default(10),
    SEARCH_KEYWORD_FEEDBACK_QUERY_WEIGHT: z.coerce.number().min(0).max(1).default(0.5),
    /** Reciprocal-rank fusion constant of hybrid queries that name no fusion. */
    SEARCH_RRF_K: count(1, 1_000).default(60),
    /**
     * Fusion of hybrid queries that name none, `rrf` or `weighted`; unset: `rrf` with a learned
     * (semantic) embedding, `weighted` with a lexical one (query/default-fusion.ts).
     */
    SEARCH_HYBRID_FUSION: z.enum(['rrf', 'weighted']).optional(),
    /** The semantic side's weight in that weighted fusion; unset: 0.5 (semantic) or 0.2 (lexical embedding). */
    SEARCH_HYBRID_SEMANTIC_WEIGHT: z.coerce.number().min(0).max(1).optional(),

    /** Longest chunk, in characters; chunks follow headings, then paragraphs, then sentences. */
    SEARCH_CHUNK_MAX_CHARS: count(32, 100_000).default(1_000),
    /** Whole sentences at the end of a chunk that the next one repeats, up to this many characters. */
    SEARCH_CHUNK_OVERLAP_CHARS: count(0, 50_000).default(150),

    /**
     * Whether this process indexes accepted documents. Off, it only answers requests (documents are
     * still accepted into the durable stream, and indexed by a process where it is on).
     */
    SEARCH_INDEXER_ENABLED: z.stringbool().default(true),
    /** Whether this process remembers chat messages (the durable consumer of chat.message.created). */
    SEARCH_MEMORY_ENABLED: z.stringbool().default(true),
    /** Documents indexed together at most (one embedding pass and one store write for all of them). */
    SEARCH_INDEX_BATCH_SIZE: count(1, 1_000).default(256),
    /** How long the indexer waits for more accepted documents to join a batch once it has one. */
    SEARCH_INDEX_LINGER_MS: configFields.milliseconds(20),
    /** Tries to index one revision of a document before it is marked `failed`; a crash counts as a try. */
    SEARCH_INDEX_MAX_ATTEMPTS: count(1, 100).default(5),
    /** First pause before a failed indexing is tried again; doubled on each try. */
    SEARCH_INDEX_RETRY_BASE_MS: configFields.milliseconds(1_000),
    /** Longest pause between two tries. */
    SEARCH_INDEX_RETRY_MAX_MS: configFields.milliseconds(60_000),
    /**
     * How long JetStream waits for the indexer to acknowledge a delivered document before giving it to
     * another replica; the indexer extends it while it works, so this bounds how soon the documents of a
     * replica that died are picked up again.
     */
    SEARCH_INDEX_ACK_WAIT_MS: configFields.milliseconds(30_000),
    /** Largest upload (a document batch or a file) read from the uploads bucket; the gateway's limits are lower. */
    SEARCH_UPLOAD_MAX_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
  });
export type SearchConfig = z.infer<typeof SearchConfigSchema>;

export function loadSearchConfig(env: NodeJS.ProcessEnv = process.env): SearchConfig {
  const config = loadConfig(SearchConfigSchema, env);
  if (config.SEARCH_STORE === 'qdrant' && config.QDRANT_URL === undefined) {
    throw new Error('Invalid configuration:\n  QDRANT_URL: required when SEARCH_STORE=qdrant');
  }
  return config;
}
