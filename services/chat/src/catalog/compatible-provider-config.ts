import { ModelCapabilitySchema } from '@conduit/contracts';
import { z } from 'zod';
import { OFFLINE_PROVIDER_ID } from '../providers/offline.provider';
import { COMPATIBLE_PRESET_IDS } from './compatible-presets';
import type { ModelDefinition } from './model-catalog';

/** A user-defined OpenAI-compatible server, as the registry builder takes it. */
export interface CompatibleProviderConfig {
  id: string;
  baseUrl: string;
  /** The value of `apiKeyEnv`; undefined when the server takes no key or the variable is not set. */
  apiKey: string | undefined;
  /** The variable holding the key; when named, the provider counts as configured only once it is set. */
  apiKeyEnv: string | undefined;
  models: ModelDefinition[];
}

const RESERVED_IDS = new Set<string>(['openai', 'anthropic', OFFLINE_PROVIDER_ID, ...COMPATIBLE_PRESET_IDS]);

const price = z.number().nonnegative();

const ModelSpecSchema = z.strictObject({
  /** The name the server knows the model by; the catalog id is `<provider id>/<name>`. */
  name: z.string().max(150).regex(/^\S+$/, 'must be a model name without spaces'),
  displayName: z.string().min(1).optional(),
  contextWindow: z.number().int().positive(),
  maxOutputTokens: z.number().int().positive(),
  /** USD per million tokens; self-hosted models cost nothing, so it defaults to zero. */
  pricing: z
    .strictObject({
      inputPerMTokUsd: price,
      outputPerMTokUsd: price,
      cachedInputPerMTokUsd: price.optional(),
    })
    .default({ inputPerMTokUsd: 0, outputPerMTokUsd: 0 }),
  capabilities: z.array(ModelCapabilitySchema).default(['streaming']),
});

const ProviderSpecSchema = z.strictObject({
  id: z
    .string()
    .max(40)
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, "-" or "_"')
    .refine((id) => !RESERVED_IDS.has(id), { message: 'is already a built-in provider id' }),
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  models: z.array(ModelSpecSchema).min(1),
});

const ProvidersSpecSchema = z.array(ProviderSpecSchema).superRefine((providers, ctx) => {
  const seen = new Set<string>();
  providers.forEach((provider, index) => {
    if (seen.has(provider.id))
      ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `"${provider.id}" is defined twice` });
    seen.add(provider.id);
  });
});

/**
 * Reads the JSON list of user-defined OpenAI-compatible servers, e.g.
 * `[{ "id": "myllm", "baseUrl": "http://10.0.0.5:8000/v1", "apiKeyEnv": "MYLLM_KEY",
 *     "models": [{ "name": "x", "contextWindow": 32768, "maxOutputTokens": 4096,
 *                  "pricing": { "inputPerMTokUsd": 0.1, "outputPerMTokUsd": 0.2 } }] }]`.
 * Keys are looked up by name in `env`. Throws an Error naming `source` and every problem found.
 */
export function parseCompatibleProviders(
  json: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  source = 'CHAT_OPENAI_COMPATIBLE_PROVIDERS',
): CompatibleProviderConfig[] {
  if (json === undefined || json.trim() === '') return [];
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ProvidersSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${pathOf(issue.path)}: ${issue.message}`);
    throw new Error(`${source} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data.map((spec) => ({
    id: spec.id,
    baseUrl: spec.baseUrl,
    apiKey: spec.apiKeyEnv === undefined ? undefined : env[spec.apiKeyEnv],
    apiKeyEnv: spec.apiKeyEnv,
    models: spec.models.map((model): ModelDefinition => ({
      id: `${spec.id}/${model.name}`,
      provider: spec.id,
      name: model.displayName ?? model.name,
      contextWindow: model.contextWindow,
      maxOutputTokens: model.maxOutputTokens,
      pricing: {
        inputPerMTokUsd: model.pricing.inputPerMTokUsd,
        outputPerMTokUsd: model.pricing.outputPerMTokUsd,
        cachedInputPerMTokUsd: model.pricing.cachedInputPerMTokUsd ?? model.pricing.inputPerMTokUsd,
      },
      capabilities: model.capabilities,
    })),
  }));
}

function pathOf(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (text, key) =>
        typeof key === 'number' ? `${text}[${key}]` : `${text}${text ? '.' : ''}${String(key)}`,
      '',
    ) || '(root)'
  );
}
