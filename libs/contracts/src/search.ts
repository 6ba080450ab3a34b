import { z } from 'zod';
import { defineEvent, defineRequest, IdempotencyKeySchema } from './definitions';
import { ErrorCode } from './errors';

/**
 * The search service: documents (text given directly or extracted from uploaded files), indexed in
 * chunks for semantic, keyword and hybrid retrieval, in named collections. Every request is answered
 * for the envelope's user only.
 */

/** Documents one batch may hold. */
export const MAX_DOCUMENTS_PER_BATCH = 1_000;
/** Longest text one document may have, in characters (UTF-16 code units); longer ones are refused. */
export const MAX_DOCUMENT_TEXT_CHARS = 1_000_000;
export const MAX_TAGS_PER_DOCUMENT = 32;
export const MAX_TOP_K = 100;
export const DEFAULT_TOP_K = 10;
/** The collection a document goes to when none is named; every user has it. */
export const DEFAULT_COLLECTION = 'default';
export const DEFAULT_DOCUMENT_PAGE_SIZE = 20;
export const MAX_DOCUMENT_PAGE_SIZE = 100;
/**
 * The JetStream Object Store bucket through which payloads too large for one bus message (big batches,
 * uploaded files) travel from the gateway to the search service; objects are removed once read.
 */
export const SEARCH_UPLOADS_BUCKET = 'SEARCH_UPLOADS';

const nonBlank = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim().length > 0, { message: 'must not be empty or blank' });

export const CollectionNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'letters, digits, _ . - (up to 64, starting with a letter or digit)',
  );

/**
 * Where remembered chat messages are indexed (read through `search.memory.*` and queries naming it);
 * reserved: no document or collection request writes to it or removes it.
 */
export const MEMORY_COLLECTION = 'chat';

/** A collection documents may be put into, created or deleted by name: any but {@link MEMORY_COLLECTION}. */
export const WritableCollectionNameSchema = CollectionNameSchema.refine(
  (name) => name !== MEMORY_COLLECTION,
  {
    message: `"${MEMORY_COLLECTION}" is reserved for remembered conversations`,
  },
);

export const TagSchema = nonBlank(100);

/** A calendar date (`2026-12-06`) or a date-time with its offset; compared as instants. */
export const DocumentDateSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const DocumentInputSchema = z.strictObject({
  title: nonBlank(500).optional(),
  text: nonBlank(MAX_DOCUMENT_TEXT_CHARS),
  /** Where it came from (a URL, a path, an app's name); filterable. */
  source: nonBlank(2_000).optional(),
  tags: z.array(TagSchema).max(MAX_TAGS_PER_DOCUMENT).optional(),
  date: DocumentDateSchema.optional(),
  collection: WritableCollectionNameSchema.optional(),
});
export type DocumentInput = z.infer<typeof DocumentInputSchema>;

/**
 * A document of a batch to accept. With an `idempotencyKey`, a document already accepted with the same
 * key (for the same user) is answered again, as it is now, and not stored twice: a retried submit stores
 * nothing new.
 */
export const SubmittedDocumentSchema = DocumentInputSchema.extend({
  idempotencyKey: IdempotencyKeySchema.optional(),
});
export type SubmittedDocument = z.infer<typeof SubmittedDocumentSchema>;

export const DocumentBatchSchema = z.strictObject({
  documents: z.array(SubmittedDocumentSchema).min(1).max(MAX_DOCUMENTS_PER_BATCH),
});
export type DocumentBatch = z.infer<typeof DocumentBatchSchema>;

/** The name of an object in {@link SEARCH_UPLOADS_BUCKET}. */
export const UploadNameSchema = z.string().regex(/^[A-Za-z0-9_-]{8,100}$/);

/**
 * A payload carried in the bus message itself when it fits, otherwise put into
 * {@link SEARCH_UPLOADS_BUCKET} as JSON by the sender and named here.
 */
export const inlineOrUpload = <T extends z.ZodType>(schema: T) =>
  z.union([z.strictObject({ inline: schema }), z.strictObject({ upload: UploadNameSchema })]);

export const DocumentStatusSchema = z.enum(['pending', 'indexed', 'failed']);
export type DocumentStatus = z.infer<typeof DocumentStatusSchema>;

export const DocumentSchema = z.object({
  id: z.uuid(),
  collection: CollectionNameSchema,
  title: z.string().nullable(),
  source: z.string().nullable(),
  tags: z.array(z.string()),
  date: z.string().nullable(),
  status: DocumentStatusSchema,
  /** Why indexing failed; null unless `status` is `failed`. */
  failureReason: z.string().nullable(),
  /** SHA-256 of the text, hex. */
  contentHash: z.string(),
  /** Characters of text. */
  textLength: z.number().int().nonnegative(),
  /** Chunks in the index; 0 until indexed. */
  chunkCount: z.number().int().nonnegative(),
  /** The embedding space its chunks are in (`offline/lexical-v1@384`); null until indexed. */
  embeddingSpace: z.string().nullable(),
  /** How the text was obtained: `text` (given), or the detected type of an uploaded file. */
  contentType: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  indexedAt: z.iso.datetime().nullable(),
});
export type Document = z.infer<typeof DocumentSchema>;

export const AcceptedDocumentSchema = z.object({ id: z.uuid(), status: DocumentStatusSchema });
export type AcceptedDocument = z.infer<typeof AcceptedDocumentSchema>;

export const ListDocumentsQuerySchema = z.strictObject({
  collection: CollectionNameSchema.optional(),
  status: DocumentStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_DOCUMENT_PAGE_SIZE).default(DEFAULT_DOCUMENT_PAGE_SIZE),
  /** From `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type ListDocumentsQuery = z.infer<typeof ListDocumentsQuerySchema>;

export const DocumentPageSchema = z.object({
  /** Newest first. */
  data: z.array(DocumentSchema),
  nextCursor: z.string().nullable(),
});
export type DocumentPage = z.infer<typeof DocumentPageSchema>;

export const DocumentRefSchema = z.strictObject({ id: z.uuid() });

export const CollectionSchema = z.object({
  name: CollectionNameSchema,
  description: z.string().nullable(),
  documentCount: z.number().int().nonnegative(),
  /** null for the default collection, which every user has without creating it. */
  createdAt: z.iso.datetime().nullable(),
});
export type Collection = z.infer<typeof CollectionSchema>;

/**
 * Where the search index stands: the embedding space queries are answered from and, after the embedding
 * model changed, the new space being filled in the background (queries switch to it once it is complete).
 */
export const SearchIndexStatusSchema = z.object({
  /** The space queries are answered from (`offline/lexical-v1@384`). */
  embeddingSpace: z.string(),
  /** null unless documents are being indexed again into a new space; the counts are the caller's own. */
  reindexing: z
    .object({
      to: z.string(),
      /** The caller's indexed documents already in the new space. */
      indexedDocuments: z.number().int().nonnegative(),
      /** The caller's indexed documents. */
      totalDocuments: z.number().int().nonnegative(),
    })
    .nullable(),
});
export type SearchIndexStatus = z.infer<typeof SearchIndexStatusSchema>;

export const CollectionListSchema = z.object({
  data: z.array(CollectionSchema),
  index: SearchIndexStatusSchema,
});

export const CreateCollectionSchema = z.strictObject({
  name: WritableCollectionNameSchema,
  description: z.string().max(1_000).optional(),
});
export const CollectionRefSchema = z.strictObject({ name: WritableCollectionNameSchema });

export const RetrievalModeSchema = z.enum(['semantic', 'keyword', 'hybrid']);
export type SearchMode = z.infer<typeof RetrievalModeSchema>;

/** How hybrid merges its two rankings: reciprocal-rank fusion (default, k = 60) or a weighted sum of normalised scores. */
export const FusionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('rrf'), k: z.number().int().min(1).max(1_000).default(60) }),
  z.strictObject({ kind: z.literal('weighted'), semanticWeight: z.number().min(0).max(1) }),
]);
export type SearchFusion = z.infer<typeof FusionSchema>;

const TagListSchema = z.array(TagSchema).min(1).max(MAX_TAGS_PER_DOCUMENT);

export const SearchFiltersSchema = z
  .strictObject({
    tags: z
      .strictObject({
        /** At least one of these. */
        any: TagListSchema.optional(),
        /** Every one of these. */
        all: TagListSchema.optional(),
      })
      .optional(),
    /** Documents dated at or after this (documents without a date never match a date filter). */
    dateFrom: DocumentDateSchema.optional(),
    /** Documents dated at or before this; a calendar date includes that whole UTC day. */
    dateTo: DocumentDateSchema.optional(),
    /** Exactly this source, or any of these. */
    source: z.union([nonBlank(2_000), z.array(nonBlank(2_000)).min(1).max(50)]).optional(),
  })
  .refine((f) => !f.dateFrom || !f.dateTo || Date.parse(f.dateFrom) <= Date.parse(f.dateTo), {
    message: 'dateFrom must not be after dateTo',
    path: ['dateTo'],
  });
export type SearchFilters = z.infer<typeof SearchFiltersSchema>;

export const SearchQuerySchema = z.strictObject({
  query: nonBlank(2_000),
  mode: RetrievalModeSchema.default('hybrid'),
  topK: z.number().int().min(1).max(MAX_TOP_K).default(DEFAULT_TOP_K),
  collection: CollectionNameSchema.optional(),
  filters: SearchFiltersSchema.optional(),
  /** Drops results scoring below this (scores compare within one mode only). */
  minScore: z.number().optional(),
  /** Hybrid only. */
  fusion: FusionSchema.optional(),
});
export type SearchQuery = z.input<typeof SearchQuerySchema>;

/** A matched range of a snippet: `[start, end)` in UTF-16 code units (JavaScript string indices). */
export const HighlightSchema = z.object({ start: z.number().int().nonnegative(), end: z.number().int() });
export type Highlight = z.infer<typeof HighlightSchema>;

export const SearchResultSchema = z.object({
  documentId: z.uuid(),
  chunkId: z.string(),
  score: z.number(),
  title: z.string().nullable(),
  collection: CollectionNameSchema,
  /** The chunk's text around the best match (the whole chunk when short). */
  snippet: z.string(),
  /** Where the query's words occur in `snippet`, in order. */
  highlights: z.array(HighlightSchema),
});
export type SearchResult = z.infer<typeof SearchResultSchema>;

export const SearchResponseSchema = z.object({
  mode: RetrievalModeSchema,
  results: z.array(SearchResultSchema),
  /**
   * The embedding behind semantic and hybrid ranking. `lexical` is the offline default: hashed word and
   * character n-grams, which match shared words and spellings, not meaning.
   */
  embedding: z.object({ model: z.string(), kind: z.enum(['semantic', 'lexical']) }),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;

/** An uploaded file, already in {@link SEARCH_UPLOADS_BUCKET}, to be read, extracted and indexed. */
export const FileSubmissionSchema = z.strictObject({
  upload: UploadNameSchema,
  /** The name the client gave it; checked against the content, which decides the type. */
  filename: z.string().max(500).optional(),
  /** The content type the client declared; checked against the content too. */
  declaredType: z.string().max(200).optional(),
  title: nonBlank(500).optional(),
  source: nonBlank(2_000).optional(),
  tags: z.array(TagSchema).max(MAX_TAGS_PER_DOCUMENT).optional(),
  date: DocumentDateSchema.optional(),
  collection: WritableCollectionNameSchema.optional(),
});
export type FileSubmission = z.infer<typeof FileSubmissionSchema>;

/** A document accepted for indexing (or re-indexing): one JetStream message per document. */
export const DocumentAcceptedEventSchema = z.strictObject({
  documentId: z.uuid(),
  /** The document's revision when accepted; a message for an older revision is skipped. */
  revision: z.number().int().positive(),
});
export type DocumentAcceptedEvent = z.infer<typeof DocumentAcceptedEventSchema>;

const documentErrors = [ErrorCode.NotFound] as const;
const ingestErrors = [ErrorCode.NotFound, ErrorCode.PayloadTooLarge] as const;

export const SearchContract = {
  checkHealth: defineRequest({
    subject: 'search.health.check',
    request: z.object({}).strict(),
    response: z.object({ service: z.literal('search'), status: z.literal('ok') }),
  }),
  /** Accepts documents: stored as `pending`, each in the durable ingest stream before the answer. */
  submitDocuments: defineRequest({
    subject: 'search.document.submit',
    request: z.strictObject({ batch: inlineOrUpload(DocumentBatchSchema) }),
    response: z.object({ documents: z.array(AcceptedDocumentSchema) }),
    errors: ingestErrors,
  }),
  /** Reads an uploaded file, extracts its text and accepts it as one document. */
  submitFile: defineRequest({
    subject: 'search.file.submit',
    request: FileSubmissionSchema,
    response: AcceptedDocumentSchema.extend({ contentType: z.string() }),
    errors: [...ingestErrors, ErrorCode.UnsupportedFileType, ErrorCode.UnreadableFile],
  }),
  listDocuments: defineRequest({
    subject: 'search.document.list',
    request: ListDocumentsQuerySchema,
    response: DocumentPageSchema,
    errors: documentErrors,
  }),
  getDocument: defineRequest({
    subject: 'search.document.get',
    request: DocumentRefSchema,
    response: DocumentSchema,
    errors: documentErrors,
  }),
  /** Replaces a document's content and metadata (same id); it is indexed again, its old chunks removed. */
  replaceDocument: defineRequest({
    subject: 'search.document.replace',
    request: DocumentRefSchema.extend({ document: inlineOrUpload(DocumentInputSchema) }),
    response: AcceptedDocumentSchema,
    errors: ingestErrors,
  }),
  /** Deletes a document and every chunk of it. */
  deleteDocument: defineRequest({
    subject: 'search.document.delete',
    request: DocumentRefSchema,
    response: z.object({ deleted: z.literal(true) }),
    errors: documentErrors,
  }),
  /** The caller's collections, and where the index stands (a re-index after a model change). */
  listCollections: defineRequest({
    subject: 'search.collection.list',
    request: z.strictObject({}),
    response: CollectionListSchema,
  }),
  createCollection: defineRequest({
    subject: 'search.collection.create',
    request: CreateCollectionSchema,
    response: CollectionSchema,
    errors: [ErrorCode.Conflict],
  }),
  /** Deletes a collection with its documents and their chunks. */
  deleteCollection: defineRequest({
    subject: 'search.collection.delete',
    request: CollectionRefSchema,
    response: z.object({ deleted: z.literal(true), documents: z.number().int().nonnegative() }),
    errors: [ErrorCode.NotFound, ErrorCode.Conflict],
  }),
  query: defineRequest({
    subject: 'search.query.run',
    request: SearchQuerySchema,
    response: SearchResponseSchema,
    errors: [ErrorCode.NotFound, ErrorCode.BudgetExceeded],
  }),
  /** A document to index; durable, consumed by the search service's indexer. */
  documentAccepted: defineEvent({
    subject: 'search.document.accepted',
    payload: DocumentAcceptedEventSchema,
    durable: { stream: 'SEARCH_INGEST' },
  }),
} as const;

/** The durable consumer through which the search service indexes accepted documents. */
export const SEARCH_INDEXER_CONSUMER = 'search-indexer';
