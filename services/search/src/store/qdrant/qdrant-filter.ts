import type { Schemas } from './qdrant-client';
import type { ChunkFilter } from '../chunk-store.port';

type Condition = Schemas['FieldCondition'];

const keyword = (key: string, value: string): Condition => ({ key, match: { value } });
const anyOf = (key: string, values: readonly string[]): Condition => ({ key, match: { any: [...values] } });

/** The user's own points: the first condition of every filter this store sends. */
export function userCondition(userId: string): Condition {
  if (userId.length === 0) throw new RangeError('every chunk query needs a user id');
  return keyword('user_id', userId);
}

/**
 * The chunk filter as a Qdrant filter (every condition must hold), or null when a given list is empty
 * and nothing can match (a filter that names no collection allows none).
 */
export function qdrantFilter(filter: ChunkFilter): Schemas['Filter'] | null {
  const must: Condition[] = [userCondition(filter.userId)];
  const lists: [string, readonly string[] | undefined][] = [
    ['collection', filter.collections],
    ['source', filter.sources],
    ['document_id', filter.documentIds],
    ['tags', filter.tagsAny],
  ];
  for (const [key, values] of lists) {
    if (values === undefined) continue;
    if (values.length === 0) return null;
    must.push(anyOf(key, values));
  }
  for (const tag of filter.tagsAll ?? []) must.push(keyword('tags', tag));
  if (filter.dateFromMs !== undefined || filter.dateToMs !== undefined) {
    must.push({ key: 'date_ms', range: { gte: filter.dateFromMs ?? null, lte: filter.dateToMs ?? null } });
  }
  return { must };
}

export function documentFilter(userId: string, documentId: string): Schemas['Filter'] {
  return { must: [userCondition(userId), keyword('document_id', documentId)] };
}
