import { Injectable } from '@nestjs/common';
import { Metering, type Admission } from '@conduit/metering';
import { BUILTIN_MODEL_PRICES, costOfQuantities } from '@conduit/model-prices';
import type { StoredJob } from './job.repository';

/**
 * Images are metered per job: the job's images at the model's price are held against the caller's
 * budgets before the provider is called, and recorded once the results are stored. The record's id is
 * the job's, so a job run twice (a worker that died after recording) is counted once in the ledger.
 */
@Injectable()
export class JobMetering {
  constructor(private readonly metering: Metering) {}

  /** BUDGET_EXCEEDED when the caller's budgets cannot take the job's images. */
  admit(job: StoredJob): Promise<Admission> {
    return this.metering.admit({ userId: job.userId, apiKeyId: job.apiKeyId }, [
      { quantities: { images: job.input.n }, prices: this.pricesOf(job.model) },
    ]);
  }

  async record(admission: Admission, job: StoredJob, images: number): Promise<void> {
    const quantities = { images };
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

  /** Every image model this service knows has a price (zero for the offline one). */
  private pricesOf(model: string) {
    return BUILTIN_MODEL_PRICES.get(model);
  }
}
