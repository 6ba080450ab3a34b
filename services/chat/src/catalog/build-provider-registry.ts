import { AnthropicProvider } from '../providers/anthropic.provider';
import { OfflineProvider } from '../providers/offline.provider';
import { OpenAIProvider } from '../providers/openai.provider';
import { ProviderRegistry } from '../providers/provider-registry';
import type { TextGenerationProvider } from '../providers/text-generation.provider';
import { ANTHROPIC_MODELS, OFFLINE_MODEL, OPENAI_MODELS } from './builtin-models';
import { COMPATIBLE_PRESET_IDS, COMPATIBLE_PRESETS } from './compatible-presets';
import { ModelCatalog, type ModelDefinition } from './model-catalog';
import type { ProvidersConfig } from './providers-config';

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

export interface ProviderSetup {
  registry: ProviderRegistry;
  catalog: ModelCatalog;
}

interface CompatibleServer {
  id: string;
  baseUrl: string | undefined;
  apiKey: string | undefined;
  requiresApiKey: boolean;
  setupHint: string;
}

/** Builds the providers and the model catalog of a deployment. Pure: reads nothing but `config`. */
export function buildProviderRegistry(
  config: ProvidersConfig,
  decorate?: (provider: TextGenerationProvider) => TextGenerationProvider,
): ProviderSetup {
  const registry = new ProviderRegistry(decorate);
  const timeoutMs = config.requestTimeoutMs;
  const models: ModelDefinition[] = [];

  const openaiKey = nonEmpty(config.openai.apiKey);
  if (openaiKey) {
    registry.register(
      new OpenAIProvider({
        id: 'openai',
        apiKey: openaiKey,
        baseURL: nonEmpty(config.openai.baseUrl) ?? OPENAI_BASE_URL,
        timeoutMs,
        maxTokensParam: 'max_completion_tokens',
      }),
    );
  } else {
    registry.registerUnconfigured('openai', 'set OPENAI_API_KEY');
  }
  models.push(...OPENAI_MODELS);

  const anthropicKey = nonEmpty(config.anthropic.apiKey);
  if (anthropicKey) {
    registry.register(
      new AnthropicProvider({
        apiKey: anthropicKey,
        baseURL: nonEmpty(config.anthropic.baseUrl) ?? ANTHROPIC_BASE_URL,
        timeoutMs,
      }),
    );
  } else {
    registry.registerUnconfigured('anthropic', 'set ANTHROPIC_API_KEY');
  }
  models.push(...ANTHROPIC_MODELS);

  for (const id of COMPATIBLE_PRESET_IDS) {
    const preset = COMPATIBLE_PRESETS[id];
    const given = config.presets[id] ?? {};
    registerCompatible(registry, timeoutMs, {
      id,
      baseUrl: nonEmpty(given.baseUrl) ?? preset.defaultBaseUrl,
      apiKey: nonEmpty(given.apiKey),
      requiresApiKey: preset.requiresApiKey,
      setupHint: preset.setupHint,
    });
    models.push(...preset.models);
  }

  for (const server of config.compatible) {
    registerCompatible(registry, timeoutMs, {
      id: server.id,
      baseUrl: server.baseUrl,
      apiKey: nonEmpty(server.apiKey),
      requiresApiKey: server.apiKeyEnv !== undefined,
      setupHint: `set ${server.apiKeyEnv ?? 'its key'}`,
    });
    models.push(...server.models);
  }

  registry.register(new OfflineProvider({ tokenDelayMs: config.offlineTokenDelayMs }));
  models.push(OFFLINE_MODEL);

  return { registry, catalog: new ModelCatalog(models, registry, nonEmpty(config.defaultModel)) };
}

function registerCompatible(registry: ProviderRegistry, timeoutMs: number, server: CompatibleServer): void {
  const { id, baseUrl, apiKey } = server;
  if (baseUrl === undefined || (server.requiresApiKey && apiKey === undefined)) {
    registry.registerUnconfigured(id, server.setupHint);
    return;
  }
  registry.register(new OpenAIProvider({ id, apiKey, baseURL: baseUrl, timeoutMs }));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
