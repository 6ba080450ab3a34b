import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, DurableWorker, type DurableDelivery } from '@conduit/bus';
import { SEARCH_INDEXER_CONSUMER, SearchContract } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { SearchConfig } from '../config';
import { DocumentRepository } from '../documents/document.repository';
import { DocumentIndexer, type OwnedDocument } from './document-indexer';

type Delivery = DurableDelivery<typeof SearchContract.documentAccepted>;

/**
 * Indexes accepted documents from the durable ingest stream, in batches, through the consumer every
 * replica shares. A document is acknowledged once indexed (or recorded as failed): one that fails is
 * delivered again with growing pauses, and after SEARCH_INDEX_MAX_ATTEMPTS deliveries (a crash while
 * indexing counts as one) it is marked `failed` with the reason, so a poison document never loops.
 * When a batch fails, each of its documents is tried alone, so one bad document fails only itself.
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IngestConsumer.name);
  private worker: DurableWorker<typeof SearchContract.documentAccepted> | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly documents: DocumentRepository,
    private readonly indexer: DocumentIndexer,
    @InjectConfig() private readonly config: SearchConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SEARCH_INDEXER_ENABLED) return;
    const { SEARCH_INDEX_RETRY_BASE_MS: base, SEARCH_INDEX_RETRY_MAX_MS: max } = this.config;
    this.worker = await DurableWorker.inBatches(
      this.bus,
      SearchContract.documentAccepted,
      {
        consumer: SEARCH_INDEXER_CONSUMER,
        concurrency: 1,
        maxBatch: this.config.SEARCH_INDEX_BATCH_SIZE,
        lingerMs: this.config.SEARCH_INDEX_LINGER_MS,
        ackWaitMs: this.config.SEARCH_INDEX_ACK_WAIT_MS,
        retryDelayMs: (attempt) => Math.min(max, base * 2 ** Math.min(attempt - 1, 20)),
        maxAttempts: this.config.SEARCH_INDEX_MAX_ATTEMPTS,
        onExhausted: (delivery) => this.giveUp(delivery),
      },
      (batch) => this.handle(batch),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.stop();
  }

  private async handle(batch: Delivery[]): Promise<void> {
    const refs = [];
    const byKey = new Map<string, Delivery>();
    for (const delivery of batch) {
      const ref = this.refOf(delivery);
      if (!ref) {
        await delivery.ack();
        continue;
      }
      refs.push(ref);
      byKey.set(keyOf(ref), delivery);
    }
    // Documents deleted or replaced since are not found: their messages are done with.
    const documents = (await this.documents.findToIndex(refs)).map((document) => ({
      ...document,
      apiKeyId: byKey.get(keyOf(document))!.envelope.apiKeyId,
    }));
    const found = new Set(documents.map(keyOf));
    for (const ref of refs) if (!found.has(keyOf(ref))) await byKey.get(keyOf(ref))!.ack();
    if (documents.length === 0) return;
    try {
      await this.indexer.index(documents);
      await Promise.all(documents.map((document) => byKey.get(keyOf(document))!.ack()));
      return;
    } catch (error) {
      if (documents.length === 1) return this.failed(documents[0]!, byKey.get(keyOf(documents[0]!))!, error);
      this.logger.warn(
        `indexing a batch of ${documents.length} failed (${String(error)}); trying each alone`,
      );
    }
    for (const document of documents) {
      const delivery = byKey.get(keyOf(document))!;
      try {
        await this.indexer.index([document]);
        await delivery.ack();
      } catch (error) {
        await this.failed(document, delivery, error);
      }
    }
  }

  /** Delivered again after a try that never finished (the process died indexing it): stop here. */
  private async giveUp(delivery: Delivery): Promise<void> {
    const ref = this.refOf(delivery);
    const maxAttempts = this.config.SEARCH_INDEX_MAX_ATTEMPTS;
    if (ref) await this.documents.markFailed(ref, `indexing did not finish in ${maxAttempts} attempts`);
  }

  private refOf(delivery: Delivery): { userId: string; id: string; revision: number } | null {
    const userId = delivery.envelope.userId;
    if (!userId) {
      this.logger.error(`dropped an accepted document without a user: ${delivery.payload.documentId}`);
      return null;
    }
    return { userId, id: delivery.payload.documentId, revision: delivery.payload.revision };
  }

  private async failed(document: OwnedDocument, delivery: Delivery, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const lastAttempt = delivery.attempt >= this.config.SEARCH_INDEX_MAX_ATTEMPTS;
    if (!DocumentIndexer.isPermanent(error) && !lastAttempt) {
      this.logger.warn(`indexing document ${document.id} failed (attempt ${delivery.attempt}): ${reason}`);
      delivery.retry();
      return;
    }
    this.logger.warn(`document ${document.id} could not be indexed: ${reason}`);
    await this.documents.markFailed(document, reason);
    await delivery.ack();
  }
}

const keyOf = (ref: { userId: string; id: string; revision: number }) =>
  `${ref.userId}/${ref.id}/${ref.revision}`;
