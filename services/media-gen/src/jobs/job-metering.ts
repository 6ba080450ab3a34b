import { Injectable } from '@nestjs/common';
import { Metering, type Admission } from '@conduit/metering';
import {
  BUILTIN_MODEL_PRICES,
  costOfQuantities,
  highestImagePricesOf,
  imagePricesOf,
  videoPricesOf,
  type ModelPrice,
  type PricedQuantities,
} from '@conduit/model-prices';
import { askedQualityOf } from '../providers/image-models';
import type { StoredJob } from './job.repository';

/** What a provider said about a file it made: for images, the quality it took when it picked one. */
export interface ProducedFileFacts {
  metadata: Record<string, unknown>;
}

/**
 * Jobs are metered per job, in images or seconds of video, at the price of the quality and size asked
 * for (OpenAI prices an HD or larger image higher): what the job asks for is held against the caller's
 * budgets before the provider is called (at the dearest quality of its size while the provider is to
 * pick one), and recorded at the quality the provider reports once the results are stored. The record's
 * id is the job's, so a job run twice (a worker that died after recording) is counted once in the ledger.
 */
@Injectable()
export class JobMetering {
  constructor(private readonly metering: Metering) {}

  /** BUDGET_EXCEEDED when the caller's budgets cannot take what the job asks for. */
  admit(job: StoredJob, quantities: PricedQuantities): Promise<Admission> {
    return this.metering.admit({ userId: job.userId, apiKeyId: job.apiKeyId }, [
      { quantities, prices: heldPricesOf(job) },
    ]);
  }

  async record(
    admission: Admission,
    job: StoredJob,
    quantities: PricedQuantities,
    files: readonly ProducedFileFacts[],
  ): Promise<void> {
    await admission.record({
      recordId: job.id,
      model: job.model,
      status: 'succeeded',
      quantities,
      estimated: false,
      costUsd: costOfQuantities(chargedPricesOf(job, files), quantities),
      reference: job.id,
    });
  }
}

/** Every model this service knows has a price (zero for the offline ones). */
const catalogPriceOf = (job: StoredJob): ModelPrice => BUILTIN_MODEL_PRICES.get(job.model);

function heldPricesOf(job: StoredJob): ModelPrice {
  const price = catalogPriceOf(job);
  if (job.kind === 'video') return videoPricesOf(price, job.input.size);
  const quality = askedQualityOf(job.input);
  return quality === undefined || quality === 'auto'
    ? highestImagePricesOf(price, job.input.size)
    : imagePricesOf(price, { quality, size: job.input.size });
}

function chargedPricesOf(job: StoredJob, files: readonly ProducedFileFacts[]): ModelPrice {
  const price = catalogPriceOf(job);
  if (job.kind === 'video') return videoPricesOf(price, job.input.size);
  const reported = files[0]?.metadata.quality;
  const quality = typeof reported === 'string' ? reported : askedQualityOf(job.input);
  return imagePricesOf(price, { quality, size: job.input.size });
}
