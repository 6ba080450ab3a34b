import { Injectable } from '@nestjs/common';
import { Metering, type Admission } from '@conduit/metering';
import { BUILTIN_MODEL_PRICES, costOfQuantities, type PricedQuantities } from '@conduit/model-prices';
import type { StoredJob } from './job.repository';

/**
 * Jobs are metered per job, in images or seconds of video: what the job asks for at the model's price are held against the caller's
 * budgets before the provider is called, and recorded once the results are stored. The record's id is
 * the job's, so a job run twice (a worker that died after recording) is counted once in the ledger.
 */
@Injectable()
export class JobMetering {
  constructor(private readonly metering: Metering) {}

  /** BUDGET_EXCEEDED when the caller's budgets cannot take what the job asks for. */
  admit(job: StoredJob, quantities: PricedQuantities): Promise<Admission> {
    return this.metering.admit({ userId: job.userId, apiKeyId: job.apiKeyId }, [
      { quantities, prices: this.pricesOf(job.model) },
    ]);
  }

  async record(admission: Admission, job: StoredJob, quantities: PricedQuantities): Promise<void> {
    await admission.record({
      recordId: job.id,
      model: job.model,
      status: 'succeeded',
      quantities,
      estimated: false,
      costUsd: costOfQuantities(this.pricesOf(job.model), quantities),
      reference: job.id,
    });
  }

  /** Every model this service knows has a price (zero for the offline ones). */
  private pricesOf(model: string) {
    return BUILTIN_MODEL_PRICES.get(model);
  }
}
