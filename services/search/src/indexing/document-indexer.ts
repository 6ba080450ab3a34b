import { Injectable, Logger } from '@nestjs/common';
import { isDomainError, ErrorCode, type DocumentStatus } from '@conduit/contracts';
import { DocumentQueue } from '../documents/document-queue';
import { DocumentRepository, type DocumentToIndex } from '../documents/document.repository';
import { MeteredEmbedder } from '../engine/metered-embedder';
import { SearchEngine, type WriteTargets } from '../engine/search-engine';
import type { IndexedChunk } from '../store/chunk-store.port';
import { InjectConfig } from '@conduit/service-kit';
import type { SearchConfig } from '../config';
import { chunkText, type ChunkingOptions } from '../ingest/chunking';

/** A document to index, with the API key its indexing is charged to (null: the user's access token). */
export type OwnedDocument = DocumentToIndex & { apiKeyId: string | null };

/** Chunks, embeds and writes documents into the indexes in use, and records each one's status. */
@Injectable()
export class DocumentIndexer {
  private readonly logger = new Logger(DocumentIndexer.name);

  constructor(
    private readonly documents: DocumentRepository,
    private readonly queue: DocumentQueue,
    private readonly engine: SearchEngine,
    private readonly embedder: MeteredEmbedder,
    @InjectConfig() config: SearchConfig,
  ) {
    this.chunking = {
      maxChars: config.SEARCH_CHUNK_MAX_CHARS,
      overlapChars: config.SEARCH_CHUNK_OVERLAP_CHARS,
    };
  }

  private readonly chunking: ChunkingOptions;

  /**
   * Indexes the documents together, into every space `targets` names (by default every space in use:
   * the serving one and one being built): one embedding pass per user and space, and one store write per
   * space. Throws when any part fails; nothing is marked indexed then (a store write replaces whole
   * documents, so a retry leaves no duplicate).
   */
  async index(documents: readonly OwnedDocument[], targets?: WriteTargets): Promise<void> {
    try {
      await this.engine.write((chosen) => this.indexInto(documents, chosen), targets);
    } catch (error) {
      // Another replica may have switched spaces (the old index is gone): the next try writes to the new.
      await this.engine.refresh().catch(() => false);
      throw error;
    }
  }

  private async indexInto(documents: readonly OwnedDocument[], targets: WriteTargets): Promise<void> {
    const pieces = documents.map((document) => ({
      document,
      texts: chunkText(document.text, this.chunking).map((chunk) => chunk.text),
    }));
    for (const space of targets.spaces) {
      const written = [];
      for (const owned of groupBy(
        pieces,
        (p) => `${p.document.userId}\u0000${p.document.apiKeyId ?? ''}`,
      ).values()) {
        const { userId, apiKeyId } = owned[0]!.document;
        // One call per user: the embedder batches as its provider allows, and metering charges that user.
        const vectors = await this.embedder.embed(
          space.embedder,
          { userId, apiKeyId },
          owned.flatMap((p) => p.texts),
          'document',
          null,
        );
        let next = 0;
        for (const { document, texts: own } of owned) {
          const chunks = own.map((text, ordinal) =>
            chunkOf(document, ordinal, text, vectors[next + ordinal]!),
          );
          next += own.length;
          written.push({ userId: document.userId, documentId: document.id, chunks });
        }
      }
      await space.index.replaceDocuments(written);
    }
    const changed = await this.documents.markIndexed(
      pieces.map(({ document, texts }) => ({ document, chunkCount: texts.length })),
      targets.recordedAs,
    );
    for (const document of changed) await this.reconcile(document);
  }

  /**
   * The document changed while it was being indexed: deleted (its chunks just written must go), or
   * replaced (this older revision may have overwritten the newer one's chunks: index the newer again).
   */
  private async reconcile(document: Pick<DocumentToIndex, 'userId' | 'id' | 'revision'>): Promise<void> {
    const current = await this.documents.currentRevision(document.userId, document.id);
    if (current === null) {
      await this.engine.deleteDocument(document.userId, document.id);
    } else if (
      current.revision > document.revision &&
      current.status !== ('pending' satisfies DocumentStatus)
    ) {
      this.logger.warn(
        `document ${document.id} changed while it was indexed; indexing its newest revision again`,
      );
      const owner = { userId: document.userId, apiKeyId: null };
      await this.queue.enqueue(owner, [{ id: document.id, revision: current.revision }], {
        again: true,
      });
    }
  }

  /** Failures that another try cannot mend: the document is marked failed at once. */
  static isPermanent(error: unknown): boolean {
    if (!isDomainError(error)) return false;
    return (
      error.code === ErrorCode.BudgetExceeded ||
      error.code === ErrorCode.ValidationFailed ||
      error.code === ErrorCode.ProviderContentRejected ||
      error.code === ErrorCode.ContextLengthExceeded
    );
  }
}

function chunkOf(
  document: DocumentToIndex,
  ordinal: number,
  text: string,
  vector: Float32Array,
): IndexedChunk {
  const dateMs = document.date === null ? null : Date.parse(document.date);
  return {
    chunkId: `${document.id}:${ordinal}`,
    documentId: document.id,
    userId: document.userId,
    collection: document.collection,
    ordinal,
    text,
    title: document.title,
    source: document.source,
    tags: document.tags,
    dateMs: dateMs === null || Number.isNaN(dateMs) ? null : dateMs,
    vector,
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
