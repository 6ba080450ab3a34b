import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, isDomainError, type CallerContext, type OpenAiChatRequest } from '@conduit/contracts';
import type { Admission } from '@conduit/metering';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { batchIdOf, derivedUuid, requestIdOf } from './batch-ids';
import { BatchMetering } from './batch-metering';
import { BatchProviderApis } from './batch-provider-apis';
import { ProviderBatchRefused, type ProviderBatchResult } from './batch-provider.port';
import { completionResponse, errorResponse } from './batch-responses';
import { WorkStopped } from '../running/running-work';
import { BatchRepository, type RequestOutcome, type StoredBatch } from './batch.repository';
import { ProviderBatchRepository } from './provider-batch.repository';

type Owner = CallerContext & { userId: string };

const customIdOf = (line: number) => `line-${line}`;
const lineOf = (customId: string): number | null => {
  const match = /^line-(\d+)$/.exec(customId);
  return match ? Number(match[1]) : null;
};

/**
 * Runs a batch's provider-routed lines: per model, one batch at the provider (submitted once: its id is
 * stored before anything else, so a resumed batch polls the same one), polled every
 * MEDIA_BATCH_PROVIDER_POLL_MS until the provider ends it, then each answer stored on its line and the
 * usage recorded at batch prices. A line the provider did not answer fails; a cancel cancels the
 * provider's batch too.
 */
@Injectable()
export class ProviderBatchRunner {
  private readonly logger = new Logger(ProviderBatchRunner.name);

  constructor(
    private readonly batches: BatchRepository,
    private readonly provided: ProviderBatchRepository,
    private readonly apis: BatchProviderApis,
    private readonly metering: BatchMetering,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  /**
   * Before a batch's lines start: a model whose provider's batch API is no longer configured (it was
   * when the batch was validated) has its lines run through the chat service instead.
   */
  async prepare(batchId: string): Promise<void> {
    for (const model of await this.provided.unfinishedModels(batchId))
      if (!this.apis.targetOf(model)) await this.provided.rerouteToChat(batchId, model);
  }

  async run(owner: Owner, batch: StoredBatch, signal: AbortSignal): Promise<void> {
    const models = await this.provided.unfinishedModels(batch.id);
    await Promise.all(models.map((model) => this.runModel(owner, batch, model, signal)));
  }

  private async runModel(
    owner: Owner,
    batch: StoredBatch,
    model: string,
    signal: AbortSignal,
  ): Promise<void> {
    const target = this.apis.targetOf(model);
    if (!target) return; // rerouted to chat by prepare()
    let admission: Admission | null = null;
    let providerBatchId = await this.provided.providerBatchId(batch.id, model);
    if (!providerBatchId) {
      const lines = await this.provided.pendingRequests(batch.id, model);
      const bodies = lines.map((l) => l.body as OpenAiChatRequest);
      try {
        admission = await this.metering.admit(owner, model, bodies);
      } catch (error) {
        if (isDomainError(error) && error.code === ErrorCode.BudgetExceeded)
          return this.failAll(batch, model, { code: error.code, message: error.message });
        throw error;
      }
      try {
        providerBatchId = await target.api.submit(
          lines.map((l, i) => ({
            customId: customIdOf(l.line),
            providerModel: target.providerModel,
            body: bodies[i]!,
          })),
          batchIdOf(batch.id),
        );
      } catch (error) {
        admission.release();
        if (error instanceof ProviderBatchRefused) return this.failAll(batch, model, error.error);
        throw error;
      }
      await this.provided.saveSubmitted(batch.id, model, target.api.provider, providerBatchId);
    }
    try {
      while (!(await target.api.hasEnded(providerBatchId))) {
        await sleep(this.config.MEDIA_BATCH_PROVIDER_POLL_MS, undefined, { signal }).catch(() => undefined);
        signal.throwIfAborted();
      }
    } catch (error) {
      admission?.release();
      if (signal.reason instanceof WorkStopped && signal.reason.why === 'cancelled') {
        await target.api
          .cancel(providerBatchId)
          .catch((e: unknown) =>
            this.logger.warn(`provider batch ${providerBatchId} not cancelled: ${String(e)}`),
          );
      }
      if (error instanceof ProviderBatchRefused) return this.failAll(batch, model, error.error);
      throw error;
    }
    for await (const result of target.api.results(providerBatchId)) {
      const line = lineOf(result.customId);
      if (line !== null)
        await this.batches.recordOutcome(batch.id, line, this.outcomeOf(batch, line, model, result));
    }
    await this.failAll(batch, model, {
      code: ErrorCode.ProviderBadResponse,
      message: `The provider's batch ended without an answer for this request`,
    });
    const usage = await this.provided.usage(batch.id, model);
    admission ??= await this.metering.admitResumed(owner);
    await this.metering.record(
      admission,
      derivedUuid(batch.id, `usage/${model}`),
      model,
      batchIdOf(batch.id),
      usage,
    );
    await this.provided.markEnded(batch.id, model);
  }

  private outcomeOf(
    batch: StoredBatch,
    line: number,
    model: string,
    result: ProviderBatchResult,
  ): RequestOutcome {
    const requestId = requestIdOf(batch.id, line);
    if (result.type === 'failed')
      return {
        status: 'failed',
        response: errorResponse(requestId, result.error),
        error: null,
        costUsd: null,
      };
    const created = Math.floor(Date.now() / 1000);
    return {
      status: 'succeeded',
      response: completionResponse(
        requestId,
        created,
        model,
        result.content,
        result.finishReason,
        result.usage,
      ),
      error: null,
      costUsd: this.metering.costOf(model, result.usage),
    };
  }

  /** Fails every line of `model` still pending, with the same error. */
  private async failAll(batch: StoredBatch, model: string, error: Parameters<typeof errorResponse>[1]) {
    for (const request of await this.provided.pendingRequests(batch.id, model)) {
      await this.batches.recordOutcome(batch.id, request.line, {
        status: 'failed',
        response: errorResponse(requestIdOf(batch.id, request.line), error),
        error: null,
        costUsd: null,
      });
    }
  }
}
