import { DomainError, ErrorCode } from '@conduit/contracts';
import type { TextGenerationProvider } from './text-generation.provider';

/**
 * The text-generation providers of this deployment, by id (the `provider` part of model ids). A provider
 * can be known but not configured (no key): asking for it then says how to configure it.
 */
export class ProviderRegistry {
  private readonly providers = new Map<string, TextGenerationProvider>();
  private readonly setupHints = new Map<string, string>();

  /** @param decorate wraps every provider as it is registered (tracing and metrics). */
  constructor(
    private readonly decorate: (provider: TextGenerationProvider) => TextGenerationProvider = (p) => p,
  ) {}

  register(provider: TextGenerationProvider): this {
    this.claim(provider.id);
    this.providers.set(provider.id, this.decorate(provider));
    return this;
  }

  /** Records a provider this server knows but cannot use; `setupHint` tells an operator what to set. */
  registerUnconfigured(id: string, setupHint: string): this {
    this.claim(id);
    this.setupHints.set(id, setupHint);
    return this;
  }

  isKnown(id: string): boolean {
    return this.providers.has(id) || this.setupHints.has(id);
  }

  isConfigured(id: string): boolean {
    return this.providers.has(id);
  }

  /** Configured provider ids, in registration order. */
  configuredIds(): string[] {
    return [...this.providers.keys()];
  }

  get(id: string): TextGenerationProvider {
    const provider = this.providers.get(id);
    if (provider) return provider;
    const setupHint = this.setupHints.get(id);
    if (setupHint !== undefined) {
      throw new DomainError(
        ErrorCode.ModelUnavailable,
        `Provider "${id}" is not configured on this server (${setupHint})`,
        { provider: id },
      );
    }
    throw new DomainError(ErrorCode.UnknownModel, `Unknown model provider "${id}"`, { provider: id });
  }

  private claim(id: string): void {
    if (this.isKnown(id)) throw new Error(`Provider "${id}" is registered twice`);
  }
}
