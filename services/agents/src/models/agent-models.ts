import { DomainError, ErrorCode } from '@conduit/contracts';
import { BUILTIN_MODEL_PRICES, type UnitPrices } from '@conduit/model-prices';
import type { AgentsConfig } from '../config';
import type { AgentModel } from './agent-model.port';
import { parseAgentModelId } from './agent-model-id';
import { AnthropicAgentModel } from './anthropic-agent.model';
import { OfflineEchoToolsModel } from './offline-echo-tools.model';
import { OpenAIAgentModel } from './openai-agent.model';

const FREE: UnitPrices = { perInputToken: 0, perOutputToken: 0 };

/** A model a run can call: its adapter, its name at the provider, its prices and output ceiling. */
export interface ResolvedAgentModel {
  id: string;
  providerModel: string;
  adapter: AgentModel;
  prices: UnitPrices;
  maxOutputTokens: number;
}

/** The adapters this deployment can use, by provider: offline always, others when their key is set. */
export class AgentModels {
  private readonly adapters = new Map<string, AgentModel>();

  constructor(private readonly config: AgentsConfig) {
    this.adapters.set('offline', new OfflineEchoToolsModel());
    if (config.OPENAI_API_KEY) {
      this.adapters.set(
        'openai',
        new OpenAIAgentModel({
          apiKey: config.OPENAI_API_KEY,
          baseURL: config.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
          timeoutMs: config.PROVIDER_TIMEOUT_MS,
        }),
      );
    }
    if (config.ANTHROPIC_API_KEY) {
      this.adapters.set(
        'anthropic',
        new AnthropicAgentModel({
          apiKey: config.ANTHROPIC_API_KEY,
          baseURL: config.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com',
          timeoutMs: config.PROVIDER_TIMEOUT_MS,
        }),
      );
    }
  }

  /** UNKNOWN_MODEL for a provider without an adapter; MODEL_UNAVAILABLE when its key is not set here. */
  resolve(id: string): ResolvedAgentModel {
    const parsed = parseAgentModelId(id);
    const adapter = this.adapters.get(parsed.provider);
    if (!adapter) {
      const variable = parsed.provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY';
      throw new DomainError(
        ErrorCode.ModelUnavailable,
        `${id} needs ${variable} to be set on the agents service`,
        {
          model: id,
          variable,
        },
      );
    }
    const price = BUILTIN_MODEL_PRICES.find(id);
    return {
      id,
      providerModel: parsed.name,
      adapter,
      // A model missing from the price catalog is metered at zero, its tokens still counted.
      prices: price ?? FREE,
      maxOutputTokens: Math.min(this.config.AGENTS_MAX_OUTPUT_TOKENS, price?.maxOutputTokens ?? Infinity),
    };
  }
}
