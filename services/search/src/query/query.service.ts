import { Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  SearchQuerySchema,
  type SearchFilters,
  type SearchResponse,
} from '@conduit/contracts';
import type { MeteredCaller } from '@conduit/metering';
import { InjectConfig } from '@conduit/service-kit';
import type { z } from 'zod';
import { CollectionRepository } from '../collections/collection.repository';
import { MeteredEmbedder } from '../engine/metered-embedder';
import { SearchEngine } from '../engine/search-engine';
import type { SearchConfig } from '../config';
import type { ChunkFilter } from '../store/chunk-store.port';
import { defaultFusion } from './default-fusion';
import { queryTerms, snippetOf } from './snippet';

type ParsedQuery = z.output<typeof SearchQuerySchema>;

const DAY_MS = 86_400_000;

/** Semantic, keyword and hybrid retrieval over the caller's own chunks, with highlighted snippets. */
@Injectable()
export class QueryService {
  constructor(
    private readonly engine: SearchEngine,
    private readonly embedder: MeteredEmbedder,
    private readonly collections: CollectionRepository,
    @InjectConfig() private readonly config: SearchConfig,
  ) {}

  async search(caller: MeteredCaller, query: ParsedQuery): Promise<SearchResponse> {
    if (query.collection !== undefined) {
      const unknown = await this.collections.unknownAmong(caller.userId, [query.collection]);
      if (unknown.length > 0)
        throw new DomainError(ErrorCode.NotFound, `Unknown collection: ${query.collection}`);
    }
    // One space answers the whole query: its embedder embeds the text, its index is searched.
    const { hits, space } = await this.engine.withServing(async ({ embedder, index }) => {
      const vector =
        query.mode === 'keyword'
          ? undefined
          : (await this.embedder.embed(embedder, caller, [query.query], 'query', null))[0];
      const found = await index.search({
        mode: query.mode,
        text: query.query,
        ...(vector ? { vector } : {}),
        topK: query.topK,
        filter: chunkFilterOf(caller.userId, query.collection, query.filters),
        // The serving space's kind picks the default fusion (it changes when a re-index finishes).
        fusion: query.fusion ?? defaultFusion(embedder.space.kind, this.config),
      });
      return { hits: found, space: embedder.space };
    });
    const terms = queryTerms(query.query);
    return {
      mode: query.mode,
      results: hits
        .filter((hit) => query.minScore === undefined || hit.score >= query.minScore)
        .map(({ chunk, score }) => ({
          documentId: chunk.documentId,
          chunkId: chunk.chunkId,
          score,
          title: chunk.title,
          collection: chunk.collection,
          ...snippetOf(chunk.text, terms),
        })),
      embedding: { model: space.id, kind: space.kind },
    };
  }
}

function chunkFilterOf(
  userId: string,
  collection: string | undefined,
  filters: SearchFilters | undefined,
): ChunkFilter {
  const source = filters?.source;
  return {
    userId,
    ...(collection === undefined ? {} : { collections: [collection] }),
    ...(filters?.tags?.any ? { tagsAny: filters.tags.any } : {}),
    ...(filters?.tags?.all ? { tagsAll: filters.tags.all } : {}),
    ...(source === undefined ? {} : { sources: typeof source === 'string' ? [source] : source }),
    ...(filters?.dateFrom === undefined ? {} : { dateFromMs: Date.parse(filters.dateFrom) }),
    ...(filters?.dateTo === undefined ? {} : { dateToMs: endOf(filters.dateTo) }),
  };
}

/** A calendar date includes its whole UTC day; a date-time is exact. */
function endOf(date: string): number {
  const at = Date.parse(date);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? at + DAY_MS - 1 : at;
}
