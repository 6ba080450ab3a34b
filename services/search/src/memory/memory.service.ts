import { Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  MEMORY_COLLECTION,
  type MemoryItem,
  type MemoryContract,
  type ParsedRequestOf,
  type RecalledPassage,
} from '@conduit/contracts';
import type { MeteredCaller } from '@conduit/metering';
import { CollectionRepository } from '../collections/collection.repository';
import { decodeCursor, encodeCursor } from '../documents/document-cursor';
import { DocumentsService } from '../documents/documents.service';
import { MeteredEmbedder } from '../engine/metered-embedder';
import { SearchEngine } from '../engine/search-engine';
import { MemoryRepository, type RememberedRow } from './memory.repository';
import { sessionIdOfSource, sessionSourceOf } from './remembered-message';

type RecallRequest = ParsedRequestOf<typeof MemoryContract.recall>;
type ListRequest = ParsedRequestOf<typeof MemoryContract.list>;
type ForgetRequest = ParsedRequestOf<typeof MemoryContract.forget>;

/**
 * How many more hits than asked a recall reads when it leaves one session out: the store filters by
 * what a chunk is, not by what it is not, so the left-out session's chunks are dropped afterwards.
 */
const EXCLUSION_OVERFETCH = 4;

/** A user's long-term memory: their remembered conversations and named collections, recalled by hybrid search. */
@Injectable()
export class MemoryService {
  constructor(
    private readonly memory: MemoryRepository,
    private readonly collections: CollectionRepository,
    private readonly documents: DocumentsService,
    private readonly engine: SearchEngine,
    private readonly embedder: MeteredEmbedder,
  ) {}

  /** The passages best matching the query; collections the user does not have are skipped. */
  async recall(caller: MeteredCaller, request: RecallRequest): Promise<{ passages: RecalledPassage[] }> {
    const named = request.collections.filter((name) => name !== MEMORY_COLLECTION);
    const unknown = new Set(await this.collections.unknownAmong(caller.userId, named));
    const collections = [
      ...(request.conversations ? [MEMORY_COLLECTION] : []),
      ...named.filter((name) => !unknown.has(name)),
    ];
    if (collections.length === 0) return { passages: [] };
    const excludedSource =
      request.excludeSessionId === undefined ? null : sessionSourceOf(request.excludeSessionId);
    const hits = await this.engine.withServing(async ({ embedder, index }) => {
      const [vector] = await this.embedder.embed(embedder, caller, [request.query], 'query', null);
      return index.search({
        mode: 'hybrid',
        text: request.query,
        ...(vector ? { vector } : {}),
        topK: excludedSource === null ? request.topK : request.topK * EXCLUSION_OVERFETCH,
        filter: { userId: caller.userId, collections },
      });
    });
    const passages = hits
      .filter(({ chunk }) => excludedSource === null || chunk.source !== excludedSource)
      .filter(({ score }) => request.minScore === undefined || score >= request.minScore)
      .slice(0, request.topK)
      .map(({ chunk, score }) => ({
        documentId: chunk.documentId,
        chunkId: chunk.chunkId,
        score,
        title: chunk.title,
        collection: chunk.collection,
        sessionId: chunk.collection === MEMORY_COLLECTION ? sessionIdOfSource(chunk.source) : null,
        text: chunk.text,
      }));
    return { passages };
  }

  async list(
    userId: string,
    request: ListRequest,
  ): Promise<{ items: MemoryItem[]; nextCursor: string | null }> {
    const rows = await this.memory.list(userId, {
      limit: request.limit + 1,
      ...(request.cursor === undefined ? {} : { beforeSeq: decodeCursor(request.cursor) }),
      ...(request.sessionId === undefined ? {} : { source: sessionSourceOf(request.sessionId) }),
    });
    const shown = rows.slice(0, request.limit);
    const last = shown.at(-1);
    return {
      items: shown.map(memoryItemOf),
      nextCursor: rows.length > request.limit && last ? encodeCursor(last.seq) : null,
    };
  }

  /**
   * Forgets everything remembered of a deleted chat session, and keeps it forgotten: its messages that
   * arrive after this are not remembered.
   */
  async forgetDeletedSession(userId: string, sessionId: string): Promise<void> {
    await this.memory.markSessionForgotten(userId, sessionId);
    await this.forget(userId, { sessionId });
  }

  /** Forgets one remembered message, or all of a session's, chunks first. */
  async forget(userId: string, request: ForgetRequest): Promise<{ deleted: number }> {
    const ids = await this.memory.idsOf(
      userId,
      'id' in request ? { id: request.id } : { source: sessionSourceOf(request.sessionId) },
    );
    if ('id' in request && ids.length === 0) {
      throw new DomainError(ErrorCode.NotFound, 'Nothing remembered with that id');
    }
    await this.documents.withdraw(userId, ids);
    return { deleted: ids.length };
  }
}

function memoryItemOf(row: RememberedRow): MemoryItem {
  return {
    id: row.id,
    sessionId: sessionIdOfSource(row.source) ?? '',
    role: row.tags.includes('assistant') ? 'assistant' : 'user',
    text: row.text,
    createdAt: row.created_at.toISOString(),
  };
}
