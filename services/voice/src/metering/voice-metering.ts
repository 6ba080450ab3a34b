import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Metering, type Admission, type MeteredCaller } from '@conduit/metering';
import { BUILTIN_MODEL_PRICES, usdOfQuantities, type UnitPrices } from '@conduit/model-prices';

const FREE: UnitPrices = { perInputToken: 0, perOutputToken: 0 };

/** The worst case a budget must hold before a user turn is heard, and before a reply is spoken. */
const MAX_TURN_SECONDS = 120;
const MAX_REPLY_CHARACTERS = 4_000;

/** A metered piece of a voice session, recorded once with what it actually used. */
export interface MeteredUse {
  record(quantity: number): Promise<void>;
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
