import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { MEMORY_COLLECTION, type Document, type DocumentStatus } from '@conduit/contracts';
import { PG_POOL } from '@conduit/service-kit';

/** A document as accepted, before its first indexing. */
export interface NewDocument {
  id: string;
  collection: string;
  title: string | null;
  source: string | null;
  tags: string[];
  date: string | null;
  text: string;
  contentType: string;
  contentHash: string;
  /** One document per key and user; null for none. */
  idempotencyKey: string | null;
}

/** A document of a submit as it stands after it: new (`stored`), or the one stored before with its key. */
export interface SubmittedDocumentState {
  id: string;
  status: DocumentStatus;
  stored: boolean;
}

/** What the indexer needs of a document: its text and metadata at one revision. */
export interface DocumentToIndex {
  id: string;
  userId: string;
  collection: string;
  title: string | null;
  source: string | null;
  tags: string[];
  date: string | null;
  text: string;
  revision: number;
}

export interface DocumentListFilter {
  collection?: string;
  status?: DocumentStatus;
  limit: number;
  /** Keyset position: documents accepted before the one with this sequence number. */
  beforeSeq?: string;
}

interface DocumentRow {
  id: string;
  seq: string;
  collection: string;
  title: string | null;
  source: string | null;
  tags: string[];
  date: string | null;
  status: DocumentStatus;
  failure_reason: string | null;
  content_hash: string;
  content_type: string;
  text_length: number;
  chunk_count: number;
  embedding_space: string | null;
  created_at: Date;
  updated_at: Date;
  indexed_at: Date | null;
}

const COLUMNS = `id, seq::text, collection, title, source, tags, date, status, failure_reason, content_hash, content_type,
  text_length, chunk_count, embedding_space, created_at, updated_at, indexed_at`;

/** Documents and where their indexing stands; every query is scoped to the owner. */
@Injectable()
export class DocumentRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Stores every document as `pending` at revision 1, all or none. */
  /**
   * Stores the documents as `pending`, in order, and answers each one's state: a document whose
   * idempotency key the user has used already is not stored again, and is answered as the one stored
   * with it (null when that one has been deleted meanwhile).
   */
  async insertMany(
    userId: string,
    documents: readonly NewDocument[],
  ): Promise<(SubmittedDocumentState | null)[]> {
    const rows = documents.map((d, ord) => ({
      ord,
      id: d.id,
      collection: d.collection,
      title: d.title,
      source: d.source,
      tags: d.tags,
      date: d.date,
      text: d.text,
      content_type: d.contentType,
      content_hash: d.contentHash,
      text_length: d.text.length,
      idempotency_key: d.idempotencyKey,
    }));
    const { rows: inserted } = await this.pool.query<{ id: string }>(
      `INSERT INTO documents (id, user_id, collection, title, source, tags, date, text, content_type,
         content_hash, text_length, idempotency_key, status)
       SELECT x.id, $1, x.collection, x.title, x.source, x.tags, x.date, x.text, x.content_type,
         x.content_hash, x.text_length, x.idempotency_key, 'pending'
       FROM jsonb_to_recordset($2::jsonb) AS x(ord int, id uuid, collection text, title text, source text,
         tags text[], date text, text text, content_type text, content_hash text, text_length int,
         idempotency_key text)
       ORDER BY x.ord
       ON CONFLICT (user_id, idempotency_key) DO NOTHING
       RETURNING id`,
      [userId, JSON.stringify(rows)],
    );
    const storedIds = new Set(inserted.map((row) => row.id));
    const repeatedKeys = documents.flatMap((d) =>
      !storedIds.has(d.id) && d.idempotencyKey !== null ? [d.idempotencyKey] : [],
    );
    const earlier = new Map<string, SubmittedDocumentState>();
    if (repeatedKeys.length > 0) {
      const { rows: found } = await this.pool.query<{
        id: string;
        status: DocumentStatus;
        idempotency_key: string;
      }>(
        `SELECT id, status, idempotency_key FROM documents WHERE user_id = $1 AND idempotency_key = ANY($2)`,
        [userId, repeatedKeys],
      );
      for (const row of found)
        earlier.set(row.idempotency_key, { id: row.id, status: row.status, stored: false });
    }
    return documents.map((d) => {
      if (storedIds.has(d.id)) return { id: d.id, status: 'pending', stored: true };
      return (d.idempotencyKey !== null ? earlier.get(d.idempotencyKey) : undefined) ?? null;
    });
  }

  /** Replaces a document's content and metadata as a new revision, `pending`; null when it is not the user's. */
  async replace(userId: string, document: NewDocument): Promise<number | null> {
    const { rows } = await this.pool.query<{ revision: number }>(
      `UPDATE documents SET collection = $3, title = $4, source = $5, tags = $6, date = $7, text = $8,
         content_type = $9, content_hash = $10, text_length = $11, status = 'pending', failure_reason = NULL,
         revision = revision + 1, updated_at = now()
       WHERE user_id = $1 AND id = $2 RETURNING revision`,
      [
        userId,
        document.id,
        document.collection,
        document.title,
        document.source,
        document.tags,
        document.date,
        document.text,
        document.contentType,
        document.contentHash,
        document.text.length,
      ],
    );
    return rows[0]?.revision ?? null;
  }

  async find(userId: string, id: string): Promise<Document | null> {
    const { rows } = await this.pool.query<DocumentRow>(
      `SELECT ${COLUMNS} FROM documents WHERE user_id = $1 AND id = $2`,
      [userId, id],
    );
    return rows[0] ? documentOf(rows[0]) : null;
  }

  /**
   * Newest first (a batch in reverse order), one page past `beforeSeq`, each with its sequence number.
   * The order names the table's column: a bare `seq` would be the selected `seq::text` and sort as text
   * ("9" after "10"), and the pages would skip documents.
   */
  async list(userId: string, filter: DocumentListFilter): Promise<{ document: Document; seq: string }[]> {
    const params: unknown[] = [userId];
    const where = ['user_id = $1'];
    const param = (value: unknown) => `$${params.push(value)}`;
    // Remembered chat messages are listed as memory, not among documents, unless asked for by name.
    where.push(
      filter.collection === undefined
        ? `collection <> ${param(MEMORY_COLLECTION)}`
        : `collection = ${param(filter.collection)}`,
    );
    if (filter.status !== undefined) where.push(`status = ${param(filter.status)}::"DocumentStatus"`);
    if (filter.beforeSeq !== undefined) where.push(`seq < ${param(filter.beforeSeq)}::bigint`);
    const { rows } = await this.pool.query<DocumentRow>(
      `SELECT ${COLUMNS} FROM documents WHERE ${where.join(' AND ')}
       ORDER BY documents.seq DESC LIMIT ${param(filter.limit)}`,
      params,
    );
    return rows.map((row) => ({ document: documentOf(row), seq: row.seq }));
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM documents WHERE user_id = $1 AND id = $2', [
      userId,
      id,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async deleteMany(userId: string, ids: readonly string[]): Promise<void> {
    await this.pool.query('DELETE FROM documents WHERE user_id = $1 AND id = ANY($2::uuid[])', [userId, ids]);
  }

  async idsInCollection(userId: string, collection: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      'SELECT id FROM documents WHERE user_id = $1 AND collection = $2',
      [userId, collection],
    );
    return rows.map((row) => row.id);
  }

  /** The documents of the user at the given revisions that still exist (replaced or deleted ones are not). */
  async findToIndex(
    refs: readonly { userId: string; id: string; revision: number }[],
  ): Promise<DocumentToIndex[]> {
    if (refs.length === 0) return [];
    const { rows } = await this.pool.query<DocumentToIndex>(
      `SELECT d.id, d.user_id AS "userId", d.collection, d.title, d.source, d.tags, d.date, d.text, d.revision
       FROM documents d
       JOIN jsonb_to_recordset($1::jsonb) AS r(user_id text, id uuid, revision int)
         ON d.user_id = r.user_id AND d.id = r.id AND d.revision = r.revision`,
      [JSON.stringify(refs.map((r) => ({ user_id: r.userId, id: r.id, revision: r.revision })))],
    );
    return rows;
  }

  /**
   * Indexed documents whose chunks are recorded in another space than `spaceId`, in acceptance order
   * from after `afterSeq`, each with its sequence number: what a re-index into that space has left.
   */
  async indexedOutside(
    spaceId: string,
    afterSeq: string,
    limit: number,
  ): Promise<(DocumentToIndex & { seq: string })[]> {
    const { rows } = await this.pool.query<DocumentToIndex & { seq: string }>(
      `SELECT id, user_id AS "userId", collection, title, source, tags, date, text, revision, seq::text AS seq
       FROM documents
       WHERE status = 'indexed' AND embedding_space IS DISTINCT FROM $1 AND documents.seq > $2::bigint
       ORDER BY documents.seq LIMIT $3`,
      [spaceId, afterSeq, limit],
    );
    return rows;
  }

  /**
   * Records revisions as indexed, in one statement; returns the ones not found at that revision (replaced
   * or deleted meanwhile).
   */
  async markIndexed(
    indexed: readonly { document: Pick<DocumentToIndex, 'userId' | 'id' | 'revision'>; chunkCount: number }[],
    embeddingSpace: string,
  ): Promise<Pick<DocumentToIndex, 'userId' | 'id' | 'revision'>[]> {
    if (indexed.length === 0) return [];
    const rows = indexed.map(({ document, chunkCount }) => ({
      user_id: document.userId,
      id: document.id,
      revision: document.revision,
      chunk_count: chunkCount,
    }));
    const { rows: updated } = await this.pool.query<{ user_id: string; id: string }>(
      `UPDATE documents d SET status = 'indexed', failure_reason = NULL, chunk_count = x.chunk_count,
         embedding_space = $2, indexed_at = now(), updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS x(user_id text, id uuid, revision int, chunk_count int)
       WHERE d.user_id = x.user_id AND d.id = x.id AND d.revision = x.revision
       RETURNING d.user_id, d.id`,
      [JSON.stringify(rows), embeddingSpace],
    );
    const done = new Set(updated.map((row) => `${row.user_id}/${row.id}`));
    return indexed
      .map(({ document }) => document)
      .filter((document) => !done.has(`${document.userId}/${document.id}`));
  }

  async markFailed(
    document: Pick<DocumentToIndex, 'userId' | 'id' | 'revision'>,
    reason: string,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE documents SET status = 'failed', failure_reason = $4, updated_at = now()
       WHERE user_id = $1 AND id = $2 AND revision = $3`,
      [document.userId, document.id, document.revision, reason.slice(0, 1_000)],
    );
  }

  /** The document's current revision and status; null once deleted. */
  async currentRevision(
    userId: string,
    id: string,
  ): Promise<{ revision: number; status: DocumentStatus } | null> {
    const { rows } = await this.pool.query<{ revision: number; status: DocumentStatus }>(
      'SELECT revision, status FROM documents WHERE user_id = $1 AND id = $2',
      [userId, id],
    );
    return rows[0] ?? null;
  }
}

function documentOf(row: DocumentRow): Document {
  return {
    id: row.id,
    collection: row.collection,
    title: row.title,
    source: row.source,
    tags: row.tags,
    date: row.date,
    status: row.status,
    failureReason: row.failure_reason,
    contentHash: row.content_hash,
    contentType: row.content_type,
    textLength: row.text_length,
    chunkCount: row.chunk_count,
    embeddingSpace: row.embedding_space,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    indexedAt: row.indexed_at ? row.indexed_at.toISOString() : null,
  };
}
