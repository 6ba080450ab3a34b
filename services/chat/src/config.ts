import { z } from 'zod';
import { configFields, DatabaseConfigSchema, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';
import { providersConfigFrom, type ProvidersConfig } from './catalog/providers-config';
import { ModelPolicies } from './generation/routing/model-policy';
import { MeteringConfigSchema } from '@conduit/metering';

const optionalSecret = z.string().min(1).optional();
const optionalUrl = z.url().optional();

const ChatBaseConfigSchema = ServiceConfigSchema.extend(DatabaseConfigSchema.shape).extend(
  MeteringConfigSchema.shape,
);

export const ChatConfigSchema = ChatBaseConfigSchema.extend({
  PORT: configFields.port(3101),
  /** `/metrics` (Prometheus) is served here only, never on PORT. */
  METRICS_PORT: configFields.port(9465),
  DATABASE_SCHEMA: configFields.schemaName().default('chat'),
  OPENAI_API_KEY: optionalSecret,
  OPENAI_BASE_URL: optionalUrl,
  ANTHROPIC_API_KEY: optionalSecret,
  ANTHROPIC_BASE_URL: optionalUrl,
  GROQ_API_KEY: optionalSecret,
  DEEPSEEK_API_KEY: optionalSecret,
  XAI_API_KEY: optionalSecret,
  OLLAMA_BASE_URL: optionalUrl,
  VLLM_BASE_URL: optionalUrl,
  VLLM_API_KEY: optionalSecret,
  /** JSON list of extra OpenAI-compatible providers (see README). */
  CHAT_OPENAI_COMPATIBLE_PROVIDERS: z.string().optional(),
  CHAT_DEFAULT_MODEL: z.string().optional(),
  OFFLINE_TOKEN_DELAY_MS: z.coerce.number().int().min(0).default(15),
  /** Longest wait for a provider's first response bytes. */
  PROVIDER_TIMEOUT_MS: configFields.milliseconds(60_000),
  /** Longest silence allowed between two chunks of a streaming answer. */
  PROVIDER_STALL_TIMEOUT_MS: configFields.milliseconds(30_000),
  /** How often a streaming answer's partial text is saved. */
  PARTIAL_FLUSH_INTERVAL_MS: configFields.milliseconds(1_000),
  /**
   * How long the lease on an answer being generated lasts. The replica producing it renews it four
   * times per lease; an answer whose lease ran out belonged to a replica that died.
   */
  STALE_STREAM_AFTER_MS: configFields.milliseconds(60_000),
  /** JSON: per-model `{ maxRetries?, fallbacks? }`, e.g. {"openai/gpt-4o-mini":{"fallbacks":["anthropic/claude-haiku-4-5"]}}. */
  CHAT_MODEL_POLICIES: z.string().optional(),
  CHAT_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(1),
  CHAT_RETRY_MAX_WAIT_MS: configFields.milliseconds(10_000),
  CHAT_COOLDOWN_AFTER_FAILURES: z.coerce.number().int().positive().default(3),
  CHAT_COOLDOWN_MS: configFields.milliseconds(30_000),
  /** Longest wait for the search service's recall on a turn that uses memory; the answer goes without after it. */
  MEMORY_RECALL_TIMEOUT_MS: configFields.milliseconds(300),
  /** Passages recalled per turn that uses memory. */
  MEMORY_RECALL_TOP_K: z.coerce.number().int().min(1).max(20).default(5),
  /** Most characters of recalled passages put into one prompt (whole passages only). */
  MEMORY_MAX_PROMPT_CHARS: z.coerce.number().int().min(200).max(100_000).default(8_000),
});
export type ChatSettings = z.infer<typeof ChatConfigSchema>;
/** The parsed settings plus the provider set they describe. */
export type ChatConfig = ChatSettings & { providers: ProvidersConfig; routing: ModelPolicies };

export function loadChatConfig(env: NodeJS.ProcessEnv = process.env): ChatConfig {
  const settings = loadConfig(ChatConfigSchema, env);
  const routing = ModelPolicies.parse(settings.CHAT_MODEL_POLICIES, {
    maxRetries: settings.CHAT_MAX_RETRIES,
    maxRetryWaitMs: settings.CHAT_RETRY_MAX_WAIT_MS,
    cooldownAfterFailures: settings.CHAT_COOLDOWN_AFTER_FAILURES,
    cooldownMs: settings.CHAT_COOLDOWN_MS,
  });
  return { ...settings, providers: providersConfigFrom(settings, env), routing };
}
