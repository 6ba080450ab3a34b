import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Metering, type Admission, type MeteredCaller } from '@conduit/metering';
import {
  BUILTIN_MODEL_PRICES,
  usdOfQuantities,
  type ModelPrice,
  type UnitPrices,
} from '@conduit/model-prices';
import type { RealtimeUsage } from '../realtime/realtime-voice.port';

const FREE: UnitPrices = { perInputToken: 0, perOutputToken: 0 };

/** The worst case a budget must hold before a user turn is heard, and before a reply is spoken. */
const MAX_TURN_SECONDS = 120;
const MAX_REPLY_CHARACTERS = 4_000;
/**
 * The worst case of one realtime response: a long turn heard (OpenAI counts 10 audio tokens a second,
 * so 120 s is 1,200) over a growing context, and a long answer spoken (about 20 audio tokens a second).
 */
const MAX_REALTIME_INPUT_TOKENS = 16_000;
const MAX_REALTIME_OUTPUT_TOKENS = 4_096;

/** A metered piece of a voice session, recorded once with what it actually used. */
export interface MeteredUse {
  record(quantity: number): Promise<void>;
  release(): void;
}

/** One realtime response admitted: recorded with the provider's usage (returns its USD), or released. */
export interface RealtimeAdmission {
  record(usage: RealtimeUsage, status: string): Promise<number>;
  release(): void;
}

/**
 * Meters a voice session's engine calls through libs/metering: seconds of audio recognised per user
 * turn, characters synthesised per reply, each admitted against the caller's budgets first and
 * recorded with the engine as the model (offline engines cost nothing and are recorded at 0 USD).
 */
@Injectable()
export class VoiceMetering {
  private readonly logger = new Logger(VoiceMetering.name);

  constructor(private readonly metering: Metering) {}

  /** `worstCase`: the most seconds it may hear (a recording's own length, when it is known). */
  listening(
    caller: MeteredCaller,
    engine: string,
    reference: string,
    worstCase = MAX_TURN_SECONDS,
  ): Promise<MeteredUse> {
    return this.admit(caller, engine, 'seconds', worstCase, reference);
  }

  /** `worstCase`: the most characters it may speak (a text's own length, when it is known). */
  speaking(
    caller: MeteredCaller,
    engine: string,
    reference: string,
    worstCase = MAX_REPLY_CHARACTERS,
  ): Promise<MeteredUse> {
    return this.admit(caller, engine, 'characters', worstCase, reference);
  }

  /**
   * One response of a realtime model, admitted at its audio prices (the dearer kind); recorded with the
   * provider's usage, text and audio tokens each at their price (the ledger keeps input and output totals).
   */
  async conversing(caller: MeteredCaller, model: ModelPrice, reference: string): Promise<RealtimeAdmission> {
    const worstPrices: UnitPrices = {
      perInputToken: Math.max(model.perInputToken, model.perInputAudioToken),
      perOutputToken: Math.max(model.perOutputToken, model.perOutputAudioToken),
    };
    const admission = await this.metering.admit(caller, [
      {
        quantities: { inputTokens: MAX_REALTIME_INPUT_TOKENS, outputTokens: MAX_REALTIME_OUTPUT_TOKENS },
        prices: worstPrices,
      },
    ]);
    return {
      record: async (usage, status) => {
        const costUsd = realtimeCostUsd(model, usage);
        await admission
          .record({
            recordId: randomUUID(),
            model: model.id,
            status,
            quantities: {
              inputTokens: usage.inputTextTokens + usage.inputAudioTokens,
              outputTokens: usage.outputTextTokens + usage.outputAudioTokens,
              cachedTokens: usage.cachedTokens,
            },
            estimated: false,
            costUsd,
            reference,
          })
          .catch((error: unknown) => this.logger.warn(`usage not recorded: ${String(error)}`));
        return costUsd;
      },
      release: () => admission.release(),
    };
  }

  private async admit(
    caller: MeteredCaller,
    engine: string,
    unit: 'seconds' | 'characters',
    worstCase: number,
    reference: string,
  ): Promise<MeteredUse> {
    const prices = BUILTIN_MODEL_PRICES.find(engine) ?? FREE;
    const admission: Admission = await this.metering.admit(caller, [
      { quantities: { [unit]: worstCase }, prices },
    ]);
    return {
      record: async (quantity) => {
        const quantities = { [unit]: unit === 'characters' ? Math.round(quantity) : quantity };
        await admission
          .record({
            recordId: randomUUID(),
            model: engine,
            status: 'complete',
            quantities,
            estimated: false,
            costUsd: usdOfQuantities(prices, quantities),
            reference,
          })
          .catch((error: unknown) => this.logger.warn(`usage not recorded: ${String(error)}`));
      },
      release: () => admission.release(),
    };
  }
}

/**
 * USD of a realtime response: text and audio tokens at their own prices. Cached input tokens (a part of
 * the input, text or audio) are charged at the cached price, which OpenAI sets the same for both.
 */
export function realtimeCostUsd(model: ModelPrice, usage: RealtimeUsage): number {
  const cachedAudio = Math.max(0, usage.cachedTokens - usage.inputTextTokens);
  return usdOfQuantities(model, {
    inputTokens: usage.inputTextTokens + cachedAudio,
    cachedTokens: usage.cachedTokens,
    outputTokens: usage.outputTextTokens,
    inputAudioTokens: usage.inputAudioTokens - cachedAudio,
    outputAudioTokens: usage.outputAudioTokens,
  });
}
