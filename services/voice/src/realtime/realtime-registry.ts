import { DomainError, ErrorCode } from '@conduit/contracts';
import { BUILTIN_MODEL_PRICES, type ModelPrice } from '@conduit/model-prices';
import type { RealtimeVoiceEngine } from './realtime-voice.port';

/** A realtime model a session asked for, with the engine that serves it and its prices. */
export interface RealtimeModelChoice {
  /** `<provider>/<model>`, as clients name it. */
  readonly id: string;
  readonly engine: RealtimeVoiceEngine;
  /** The provider's own model name. */
  readonly model: string;
  readonly prices: ModelPrice;
}

/**
 * Realtime engines by provider, with the default model. Only models of the price catalog (mode
 * `realtime`) are served: a model that cannot be priced cannot be metered against budgets.
 */
export class RealtimeVoiceRegistry {
  private readonly byProvider: ReadonlyMap<string, RealtimeVoiceEngine>;

  constructor(
    engines: readonly RealtimeVoiceEngine[],
    readonly defaultModel: string,
  ) {
    this.byProvider = new Map(engines.map((engine) => [engine.provider, engine]));
  }

  /** The model `id` (or the default): VALIDATION_FAILED for a provider this service lacks, UNKNOWN_MODEL for a model it does not know. */
  resolve(id: string = this.defaultModel): RealtimeModelChoice {
    const slash = id.indexOf('/');
    const provider = slash > 0 ? id.slice(0, slash) : '';
    const engine = this.byProvider.get(provider);
    if (!engine) {
      const known = [...this.byProvider.keys()];
      throw new DomainError(
        ErrorCode.ValidationFailed,
        `unknown realtime provider in "${id}"; this service has: ${known.join(', ') || 'none'}`,
        { known },
      );
    }
    const prices = BUILTIN_MODEL_PRICES.find(id);
    if (!prices || prices.mode !== 'realtime') {
      throw new DomainError(ErrorCode.UnknownModel, `unknown realtime model "${id}"`, {
        known: this.models(),
      });
    }
    return { id, engine, model: id.slice(slash + 1), prices };
  }

  /** The realtime models this service can serve (their providers have an engine here). */
  models(): string[] {
    return BUILTIN_MODEL_PRICES.list()
      .filter((price) => price.mode === 'realtime' && this.byProvider.has(price.id.split('/')[0] ?? ''))
      .map((price) => price.id);
  }
}
