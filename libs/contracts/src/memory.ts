import { z } from 'zod';
import { defineRequest } from './definitions';
import { ErrorCode } from './errors';
import { CollectionNameSchema } from './search';

/**
 * Long-term memory, answered by the search service: what users said in their chat sessions, indexed
 * from `chat.message.created`, plus their named document collections. Chat recalls passages for a turn
 * that opted in; clients search, list and delete what is remembered. Every request is answered for the
 * envelope's user only.
 */

/** The durable JetStream consumer through which search remembers `chat.message.created`. */
export const SEARCH_MEMORY_CONSUMER = 'search-memory';
/** The durable JetStream consumer through which search forgets the memory of deleted chat sessions. */
export const SEARCH_MEMORY_FORGET_CONSUMER = 'search-memory-forget';

export const MAX_MEMORY_COLLECTIONS = 10;
export const MAX_RECALLED_PASSAGES = 20;
export const MAX_RECALL_QUERY_CHARS = 4_000;

/**
 * Whether a chat turn draws on memory: past conversations of the same user, and the named collections.
 * Set per session, and overridable per message.
 */
export const MemorySettingsSchema = z.strictObject({
  enabled: z.boolean(),
  collections: z.array(CollectionNameSchema).max(MAX_MEMORY_COLLECTIONS).default([]),
});
export type MemorySettings = z.infer<typeof MemorySettingsSchema>;

/** Where a recalled passage comes from: a chat message (`sessionId` set) or a document of a collection. */
export const MemoryCitationSchema = z.object({
  documentId: z.string(),
  chunkId: z.string(),
  score: z.number(),
  title: z.string().nullable(),
  /** `chat` for remembered conversations, else the collection's name. */
  collection: z.string(),
  /** The chat session a remembered message was said in; null for documents. */
  sessionId: z.string().nullable(),
});
export type MemoryCitation = z.infer<typeof MemoryCitationSchema>;

export const RecalledPassageSchema = MemoryCitationSchema.extend({ text: z.string() });
export type RecalledPassage = z.infer<typeof RecalledPassageSchema>;

/**
 * What memory gave an answer: `used` (passages were put in the prompt, cited below), `none` (nothing
 * relevant was found), `timeout` or `unavailable` (the search did not answer in time or at all: the
 * answer went without, and says so).
 */
export const MemoryUseSchema = z.object({
  status: z.enum(['used', 'none', 'timeout', 'unavailable']),
  citations: z.array(MemoryCitationSchema),
});
export type MemoryUse = z.infer<typeof MemoryUseSchema>;

export const RecallMemoryRequestSchema = z.strictObject({
  query: z.string().trim().min(1).max(MAX_RECALL_QUERY_CHARS),
  topK: z.number().int().min(1).max(MAX_RECALLED_PASSAGES).default(5),
  /** Search the user's remembered conversations (true by default). */
  conversations: z.boolean().default(true),
  collections: z.array(CollectionNameSchema).max(MAX_MEMORY_COLLECTIONS).default([]),
  /** Leave out what was said in this session: it is in the prompt already. */
  excludeSessionId: z.uuid().optional(),
  minScore: z.number().optional(),
});
export type RecallMemoryRequest = z.input<typeof RecallMemoryRequestSchema>;

export const RecallMemoryResponseSchema = z.object({ passages: z.array(RecalledPassageSchema) });

/** A remembered chat message, as users see and delete it. */
export const MemoryItemSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  createdAt: z.iso.datetime(),
});
export type MemoryItem = z.infer<typeof MemoryItemSchema>;

export const ListMemoryRequestSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
  sessionId: z.uuid().optional(),
});
export const MemoryPageSchema = z.object({
  items: z.array(MemoryItemSchema),
  nextCursor: z.string().nullable(),
});

export const MemoryContract = {
  recall: defineRequest({
    subject: 'search.memory.recall',
    request: RecallMemoryRequestSchema,
    response: RecallMemoryResponseSchema,
    errors: [ErrorCode.NotFound],
  }),
  list: defineRequest({
    subject: 'search.memory.list',
    request: ListMemoryRequestSchema,
    response: MemoryPageSchema,
  }),
  /** Forgets one remembered message (`id`), or everything remembered of one chat session. */
  forget: defineRequest({
    subject: 'search.memory.forget',
    request: z.union([z.strictObject({ id: z.uuid() }), z.strictObject({ sessionId: z.uuid() })]),
    response: z.object({ deleted: z.number().int().nonnegative() }),
    errors: [ErrorCode.NotFound],
  }),
} as const;
