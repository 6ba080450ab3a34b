import { DomainError, ErrorCode, type ModelInfo } from '@conduit/contracts';
import { OFFLINE_MODEL_ID } from '../providers/offline.provider';
import type { ProviderRegistry } from '../providers/provider-registry';
import type { TextGenerationProvider } from '../providers/text-generation.provider';

/** A catalog entry; whether it is available depends on the deployment, so the catalog works that out. */
export type ModelDefinition = Omit<ModelInfo, 'available'>;

export interface ResolvedModel {
  info: ModelInfo;
  provider: TextGenerationProvider;
  /** The name the provider knows the model by: the id after the first slash (it may hold slashes itself). */
  providerModel: string;
}

/** The models this deployment offers, with their limits and prices, resolved to the provider serving each. */
export class ModelCatalog {
  private readonly models = new Map<string, ModelDefinition>();
  private readonly defaultId: string;

  /**
   * @param preferredDefault the operator's choice; it must exist and be available. Without one the default is
   * the first available model that is not the offline placeholder, else the placeholder.
   */
  constructor(
    definitions: readonly ModelDefinition[],
    private readonly registry: ProviderRegistry,
    preferredDefault?: string,
  ) {
    for (const definition of definitions) this.add(definition);
    this.defaultId = this.chooseDefault(preferredDefault);
  }

  list(): ModelInfo[] {
    return [...this.models.values()].map((definition) => this.info(definition));
  }

  find(modelId: string): ModelInfo | undefined {
    const definition = this.models.get(modelId);
    return definition && this.info(definition);
  }

  /** Throws UNKNOWN_MODEL for an id not in the catalog, MODEL_UNAVAILABLE when its provider is not configured. */
  resolve(modelId: string): ResolvedModel {
    const definition = this.models.get(modelId);
    if (!definition) {
      throw new DomainError(ErrorCode.UnknownModel, `Unknown model "${modelId}"`, { model: modelId });
    }
    return {
      info: this.info(definition),
      provider: this.registry.get(definition.provider),
      providerModel: modelId.slice(definition.provider.length + 1),
    };
  }

  /** What to use when a request names no model. */
  defaultModelId(): string {
    return this.defaultId;
  }

  defaultModel(): ModelInfo {
    return this.info(this.models.get(this.defaultId) as ModelDefinition);
  }

  private add(definition: ModelDefinition): void {
    const { id, provider } = definition;
    if (!id.startsWith(`${provider}/`) || id.length === provider.length + 1) {
      throw new Error(`Model id "${id}" must be "${provider}/<model>"`);
    }
    if (this.models.has(id)) throw new Error(`Model "${id}" is defined twice`);
    if (!this.registry.isKnown(provider))
      throw new Error(`Model "${id}" names an unregistered provider "${provider}"`);
    this.models.set(id, definition);
  }

  private info(definition: ModelDefinition): ModelInfo {
    return { ...definition, available: this.registry.isConfigured(definition.provider) };
  }

  private chooseDefault(preferred: string | undefined): string {
    if (preferred !== undefined) {
      const info = this.find(preferred);
      if (!info) throw new Error(`The default model "${preferred}" is not in the catalog`);
      if (!info.available) {
        throw new Error(
          `The default model "${preferred}" is not available: provider "${info.provider}" is not configured`,
        );
      }
      return preferred;
    }
    const firstReal = this.list().find((info) => info.available && info.id !== OFFLINE_MODEL_ID);
    if (firstReal) return firstReal.id;
    if (this.find(OFFLINE_MODEL_ID)?.available) return OFFLINE_MODEL_ID;
    throw new Error('No model is available, not even the offline placeholder');
  }
}
