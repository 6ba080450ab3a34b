import type { MediaGenConfig } from '../config';
import { AnthropicBatchApi } from './anthropic-batch.api';
import type { ProviderBatchApi } from './batch-provider.port';
import { OpenAiBatchApi } from './openai-batch.api';

export interface ProviderBatchTarget {
  api: ProviderBatchApi;
  /** The model as the provider names it. */
  providerModel: string;
}

/**
 * The providers whose own batch API carries their models' lines: those named in
 * MEDIA_BATCH_PROVIDER_APIS whose key is set here. Every other model's lines run through the chat service.
 * Adding a provider is one adapter and one line here.
 */
export class BatchProviderApis {
  private readonly apis = new Map<string, ProviderBatchApi>();

  constructor(config: MediaGenConfig) {
    const enabled = new Set(config.MEDIA_BATCH_PROVIDER_APIS);
    const timeoutMs = config.MEDIA_PROVIDER_TIMEOUT_MS;
    if (enabled.has('openai') && config.OPENAI_API_KEY)
      this.add(
        new OpenAiBatchApi({
          apiKey: config.OPENAI_API_KEY,
          ...(config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : {}),
          timeoutMs,
        }),
      );
    if (enabled.has('anthropic') && config.ANTHROPIC_API_KEY)
      this.add(
        new AnthropicBatchApi({
          apiKey: config.ANTHROPIC_API_KEY,
          ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
          timeoutMs,
        }),
      );
  }

  /** Where `model` (`provider/name`) is batched at its provider; null to run it through chat. */
  targetOf(model: string): ProviderBatchTarget | null {
    const slash = model.indexOf('/');
    const api = slash > 0 ? this.apis.get(model.slice(0, slash)) : undefined;
    return api ? { api, providerModel: model.slice(slash + 1) } : null;
  }

  private add(api: ProviderBatchApi): void {
    this.apis.set(api.provider, api);
  }
}
