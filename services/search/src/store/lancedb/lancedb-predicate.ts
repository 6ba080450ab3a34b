import type { ChunkFilter } from '../chunk-store.port';

/**
 * A SQL string literal for LanceDB's filter dialect (DataFusion): quotes doubled, as standard SQL
 * spells a quote inside a literal; backslashes mean nothing there. A NUL character is refused: no id
 * or tag has one, and it has no business inside a predicate.
 */
export function sqlString(value: string): string {
  if (value.includes('\0')) throw new RangeError('a filter value may not contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`a filter number must be finite, got ${value}`);
  return String(value);
}

const list = (values: readonly string[]) => values.map(sqlString).join(', ');

/** The user's own rows, always the first condition of every predicate this store builds. */
export function userPredicate(userId: string): string {
  if (userId.length === 0) throw new RangeError('every chunk query needs a user id');
  return `user_id = ${sqlString(userId)}`;
}

/**
 * The filter as one SQL predicate over the chunk table's columns. Every given list narrows (an empty
 * list matches nothing: a filter that names no collection allows none, never every one).
 */
export function chunkPredicate(filter: ChunkFilter): string {
  const conditions = [userPredicate(filter.userId)];
  const among = (column: string, values: readonly string[] | undefined) => {
    if (values === undefined) return;
    conditions.push(values.length === 0 ? 'false' : `${column} IN (${list(values)})`);
  };
  among('collection', filter.collections);
  among('source', filter.sources);
  among('document_id', filter.documentIds);
  if (filter.tagsAny !== undefined) {
    conditions.push(filter.tagsAny.length === 0 ? 'false' : `array_has_any(tags, [${list(filter.tagsAny)}])`);
  }
  if (filter.tagsAll !== undefined && filter.tagsAll.length > 0) {
    conditions.push(`array_has_all(tags, [${list(filter.tagsAll)}])`);
  }
  if (filter.dateFromMs !== undefined) conditions.push(`date_ms >= ${sqlNumber(filter.dateFromMs)}`);
  if (filter.dateToMs !== undefined) conditions.push(`date_ms <= ${sqlNumber(filter.dateToMs)}`);
  return conditions.join(' AND ');
}

/** Every chunk of the given documents of one user. */
export function documentsPredicate(userId: string, documentIds: readonly string[]): string {
  return `${userPredicate(userId)} AND document_id IN (${list(documentIds)})`;
}
