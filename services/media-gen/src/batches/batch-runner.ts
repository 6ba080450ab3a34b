import { Injectable, Logger } from '@nestjs/common';
import { Sema } from 'async-sema';
import { backOff } from 'exponential-backoff';
import type { DurableDelivery } from '@conduit/bus';
import {
  FINAL_BATCH_STATUSES,
  MediaBatchContract,
  type CallerContext,
  type ErrorBody,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { requestIdOf } from './batch-ids';
import { BatchOutputFiles } from './batch-output-files';
import { WorkStopped } from '../running/running-work';
import { BatchValidator } from './batch-validator';
import {
  BatchRepository,
  type RequestOutcome,
  type StoredBatch,
  type StoredBatchRequest,
} from './batch.repository';
import { ChatLineRunner, givenUpOutcome } from './chat-line-runner';
import { ProviderBatchRunner } from './provider-batch-runner';
import { RunningBatches } from './running-batches';

export type BatchDelivery = DurableDelivery<typeof MediaBatchContract.batchAccepted>;

/** Lines read from Postgres at a time while a batch runs. */
const PAGE = 200;
/** Tries of a line that meets a passing fault (rate limit, provider down) before it is written off. */
const LINE_TRIES = 3;

class PassingFault extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
  }
}

/**
 * Runs one delivered batch to a final status: validating (its lines stored), in_progress (each pending
 * chat line run with at most MEDIA_BATCH_LINE_CONCURRENCY at once, its outcome stored as it comes, while
 * the lines of models batched at their provider wait in the provider's batches), finalizing
 * (output and error files written), completed; or cancelled / expired with what finished. Only then is
 * the message acknowledged. A delivery after a crash picks up where the stored lines stand: finished
 * lines are never run again.
 */
@Injectable()
export class BatchRunner {
  private readonly logger = new Logger(BatchRunner.name);

  constructor(
    private readonly batches: BatchRepository,
    private readonly validator: BatchValidator,
    private readonly lines: ChatLineRunner,
    private readonly providerBatches: ProviderBatchRunner,
    private readonly outputs: BatchOutputFiles,
    private readonly running: RunningBatches,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  async run(delivery: BatchDelivery): Promise<void> {
    const { batchId } = delivery.payload;
    const inProgress = this.running.inProgress(batchId);
    if (inProgress) {
      await inProgress;
      return;
    }
    await this.running.run(batchId, (signal) => this.attempt(delivery, signal));
  }

  /** Delivered more often than allowed (its workers kept dying): the batch fails for good. */
  async giveUp(delivery: BatchDelivery): Promise<void> {
    await this.batches.fail(delivery.payload.batchId, [
      {
        code: 'attempts_exhausted',
        message: `The batch did not finish in ${this.config.MEDIA_JOB_MAX_ATTEMPTS} attempts`,
        param: null,
        line: null,
      },
    ]);
  }

  private async attempt(delivery: BatchDelivery, signal: AbortSignal): Promise<void> {
    const { batchId } = delivery.payload;
    const userId = delivery.envelope.userId;
    if (!userId) {
      this.logger.error(`dropped batch ${batchId}: its message has no user`);
      return delivery.ack();
    }
    const owner = { userId, apiKeyId: delivery.envelope.apiKeyId ?? null };
    const batch = await this.batches.countAttempt(batchId);
    if (!batch || FINAL_BATCH_STATUSES.includes(batch.status)) return delivery.ack();
    try {
      await this.advance(owner, batch, signal);
      await delivery.ack();
    } catch (error) {
      if (error instanceof WorkStopped && error.why === 'shutdown') return delivery.retry(0);
      if (error instanceof WorkStopped) {
        await this.finish(batchId, 'cancelled');
        return delivery.ack();
      }
      this.logger.warn(`batch ${batchId} attempt ${delivery.attempt} broke off: ${String(error)}`);
      delivery.retry();
    }
  }

  private async advance(owner: CallerContext & { userId: string }, batch: StoredBatch, signal: AbortSignal) {
    if (batch.status === 'validating') {
      const validation = await this.validator.validate(owner, batch);
      if ('errors' in validation) return this.batches.fail(batch.id, validation.errors);
      await this.batches.startRunning(batch.id, validation.requests);
    }
    const current = await this.batches.findById(batch.id);
    if (!current) return;
    if (current.status === 'cancelling') return this.finish(batch.id, 'cancelled');
    if (current.status === 'in_progress') {
      await this.providerBatches.prepare(batch.id);
      const [chat, provided] = await Promise.allSettled([
        this.runLines(owner, current, signal),
        this.providerBatches.run(owner, current, signal),
      ]);
      const broken = [chat, provided].find((r) => r.status === 'rejected');
      if (broken) throw signal.aborted ? signal.reason : broken.reason;
      const expired = chat.status === 'fulfilled' && chat.value;
      if (expired) return this.finish(batch.id, 'expired');
      if (!(await this.batches.markFinalizing(batch.id))) {
        const now = await this.batches.findById(batch.id);
        if (now?.status === 'cancelling') return this.finish(batch.id, 'cancelled');
        return;
      }
    }
    return this.finish(batch.id, 'completed');
  }

  /** Runs the pending lines; true when the batch's window closed before they were all run. */
  private async runLines(owner: CallerContext, batch: StoredBatch, signal: AbortSignal): Promise<boolean> {
    const sema = new Sema(this.config.MEDIA_BATCH_LINE_CONCURRENCY);
    const inFlight = new Set<Promise<void>>();
    let broken: unknown = null;
    let expired = false;
    let after = 0;
    pages: for (;;) {
      const page = await this.batches.pendingRequests(batch.id, 'chat', after, PAGE);
      if (page.length === 0) break;
      for (const request of page) {
        after = request.line;
        await sema.acquire();
        if (signal.aborted || broken !== null) {
          sema.release();
          break pages;
        }
        if (Date.now() >= batch.expiresAt.getTime()) {
          sema.release();
          expired = true;
          break pages;
        }
        const task = this.runLine(owner, batch, request, signal)
          .catch((error: unknown) => {
            if (!signal.aborted) broken ??= error;
          })
          .finally(() => {
            sema.release();
            inFlight.delete(task);
          });
        inFlight.add(task);
      }
    }
    await Promise.all(inFlight);
    signal.throwIfAborted();
    if (broken !== null) throw broken;
    return expired;
  }

  private async runLine(
    owner: CallerContext,
    batch: StoredBatch,
    request: StoredBatchRequest,
    signal: AbortSignal,
  ): Promise<void> {
    const body = request.body as Parameters<ChatLineRunner['run']>[1];
    let outcome: RequestOutcome;
    try {
      outcome = await backOff(
        async () => {
          const tried = await this.lines.run(owner, body, signal);
          if ('passingFault' in tried) throw new PassingFault(tried.passingFault);
          return tried.outcome;
        },
        {
          numOfAttempts: LINE_TRIES,
          startingDelay: 500,
          retry: (error) => error instanceof PassingFault && !signal.aborted,
        },
      );
    } catch (error) {
      if (!(error instanceof PassingFault)) throw error;
      outcome = givenUpOutcome(requestIdOf(batch.id, request.line), error.body);
    }
    await this.batches.recordOutcome(batch.id, request.line, outcome);
  }

  private async finish(batchId: string, status: 'completed' | 'cancelled' | 'expired'): Promise<void> {
    const batch = await this.batches.findById(batchId);
    if (!batch || FINAL_BATCH_STATUSES.includes(batch.status)) return;
    const files = await this.outputs.write(batch, status === 'expired');
    await this.batches.finish(batchId, status, files);
  }
}
