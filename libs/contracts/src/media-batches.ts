import { z } from 'zod';
import { defineEvent, defineRequest } from './definitions';
import { ErrorCode } from './errors';
import { FileContentSchema } from './media-gen';

/**
 * Batch completions in OpenAI's Batch API shape, run by the media-gen service on its durable job
 * machinery: JSONL request files (`/v1/files`, purpose `batch`) and batches over them (`/v1/batches`).
 * The objects below are OpenAI's own wire objects, so the gateway passes them through unchanged and the
 * official SDKs parse them. Every request is answered for the envelope's user only.
 */

/** The one endpoint batch lines may call. */
export const BATCH_ENDPOINT = '/v1/chat/completions';
export const BATCH_COMPLETION_WINDOW = '24h';
export const BATCH_COMPLETION_WINDOW_SECONDS = 24 * 3600;
/** OpenAI's limit on the requests of one batch file. */
export const MAX_BATCH_REQUESTS = 50_000;
export const MAX_BATCH_FILENAME_CHARS = 255;
export const MAX_CUSTOM_ID_CHARS = 512;
export const DEFAULT_BATCH_PAGE_SIZE = 20;
export const MAX_BATCH_PAGE_SIZE = 100;
export const DEFAULT_FILE_PAGE_SIZE = 10_000;
export const MAX_FILE_PAGE_SIZE = 10_000;

/**
 * The Object Store bucket through which batch files travel between the gateway and media-gen: uploads
 * in, and file contents too large for one bus message out. The reader removes them; unread ones expire.
 */
export const MEDIA_BATCH_FILES_BUCKET = 'MEDIA_BATCH_FILES';

/** `file-<32 hex>`: the platform's file ids. */
export const BatchFileIdSchema = z.string().regex(/^file-[0-9a-f]{32}$/, 'not a file id');
/** `batch_<32 hex>`. */
export const BatchIdSchema = z.string().regex(/^batch_[0-9a-f]{32}$/, 'not a batch id');

/** Uploaded request files are `batch`; the files a batch writes are `batch_output`. */
export const BatchFilePurposeSchema = z.enum(['batch', 'batch_output']);
export type BatchFilePurpose = z.infer<typeof BatchFilePurposeSchema>;

/** OpenAI's file object. */
export const BatchFileObjectSchema = z.object({
  id: BatchFileIdSchema,
  object: z.literal('file'),
  bytes: z.number().int().nonnegative(),
  /** Unix seconds. */
  created_at: z.number().int(),
  expires_at: z.number().int().nullable(),
  filename: z.string(),
  purpose: BatchFilePurposeSchema,
  status: z.literal('processed'),
  status_details: z.null(),
});
export type BatchFileObject = z.infer<typeof BatchFileObjectSchema>;

export const BatchFileListSchema = z.object({
  object: z.literal('list'),
  data: z.array(BatchFileObjectSchema),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});
export type BatchFileList = z.infer<typeof BatchFileListSchema>;

export const ListBatchFilesQuerySchema = z.strictObject({
  purpose: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_FILE_PAGE_SIZE).default(DEFAULT_FILE_PAGE_SIZE),
  order: z.enum(['asc', 'desc']).default('desc'),
  /** The id of the last file of the previous page. */
  after: BatchFileIdSchema.optional(),
});
export type ListBatchFilesQuery = z.output<typeof ListBatchFilesQuerySchema>;

export const BatchStatusSchema = z.enum([
  'validating',
  'failed',
  'in_progress',
  'finalizing',
  'completed',
  'expired',
  'cancelling',
  'cancelled',
]);
export type BatchStatus = z.infer<typeof BatchStatusSchema>;
/** Statuses a batch never leaves. */
export const FINAL_BATCH_STATUSES: readonly BatchStatus[] = ['failed', 'completed', 'expired', 'cancelled'];

/** OpenAI's metadata: at most 16 pairs, keys up to 64 characters, values up to 512. */
export const BatchMetadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, { message: 'at most 16 metadata pairs' });

export const BatchErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  param: z.string().nullable(),
  line: z.number().int().nullable(),
});
export type BatchError = z.infer<typeof BatchErrorSchema>;

const UnixSeconds = z.number().int().nullable();

/** OpenAI's batch object. */
export const BatchObjectSchema = z.object({
  id: BatchIdSchema,
  object: z.literal('batch'),
  endpoint: z.string(),
  /** Why the batch itself failed (its file could not be run); null otherwise. */
  errors: z.object({ object: z.literal('list'), data: z.array(BatchErrorSchema) }).nullable(),
  input_file_id: BatchFileIdSchema,
  completion_window: z.string(),
  status: BatchStatusSchema,
  output_file_id: BatchFileIdSchema.nullable(),
  error_file_id: BatchFileIdSchema.nullable(),
  created_at: z.number().int(),
  in_progress_at: UnixSeconds,
  expires_at: UnixSeconds,
  finalizing_at: UnixSeconds,
  completed_at: UnixSeconds,
  failed_at: UnixSeconds,
  expired_at: UnixSeconds,
  cancelling_at: UnixSeconds,
  cancelled_at: UnixSeconds,
  request_counts: z.object({
    total: z.number().int().nonnegative(),
    completed: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  }),
  metadata: z.record(z.string(), z.string()).nullable(),
});
export type BatchObject = z.infer<typeof BatchObjectSchema>;

export const BatchListSchema = z.object({
  object: z.literal('list'),
  data: z.array(BatchObjectSchema),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});
export type BatchList = z.infer<typeof BatchListSchema>;

export const CreateBatchRequestSchema = z.strictObject({
  input_file_id: BatchFileIdSchema,
  endpoint: z.literal(BATCH_ENDPOINT, `only ${BATCH_ENDPOINT} is supported`),
  completion_window: z.literal(BATCH_COMPLETION_WINDOW, `only ${BATCH_COMPLETION_WINDOW} is supported`),
  metadata: BatchMetadataSchema.nullish(),
});
export type CreateBatchRequest = z.output<typeof CreateBatchRequestSchema>;

export const ListBatchesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_BATCH_PAGE_SIZE).default(DEFAULT_BATCH_PAGE_SIZE),
  /** The id of the last batch of the previous page. */
  after: BatchIdSchema.optional(),
});
export type ListBatchesQuery = z.output<typeof ListBatchesQuerySchema>;

export const BatchFileRefSchema = z.strictObject({ id: BatchFileIdSchema });
export const BatchRefSchema = z.strictObject({ id: BatchIdSchema });

export const MediaBatchContract = {
  /**
   * Stores an uploaded request file (its bytes are an object in {@link MEDIA_BATCH_FILES_BUCKET}): every
   * line must be a JSON object and custom_ids must be unique, else VALIDATION_FAILED and nothing is kept.
   */
  uploadFile: defineRequest({
    subject: 'media-gen.batch-file.upload',
    request: z.strictObject({
      upload: z.string().min(1).max(200),
      filename: z.string().min(1).max(MAX_BATCH_FILENAME_CHARS),
      purpose: z.literal('batch', 'purpose must be batch'),
    }),
    response: BatchFileObjectSchema,
    errors: [ErrorCode.ValidationFailed, ErrorCode.PayloadTooLarge],
  }),
  getFile: defineRequest({
    subject: 'media-gen.batch-file.get',
    request: BatchFileRefSchema,
    response: BatchFileObjectSchema,
    errors: [ErrorCode.NotFound],
  }),
  listFiles: defineRequest({
    subject: 'media-gen.batch-file.list',
    request: ListBatchFilesQuerySchema,
    response: BatchFileListSchema,
  }),
  /** CONFLICT while a batch is still reading it. */
  deleteFile: defineRequest({
    subject: 'media-gen.batch-file.delete',
    request: BatchFileRefSchema,
    response: z.object({ id: BatchFileIdSchema, object: z.literal('file'), deleted: z.literal(true) }),
    errors: [ErrorCode.NotFound, ErrorCode.Conflict],
  }),
  readFileContent: defineRequest({
    subject: 'media-gen.batch-file.content',
    request: BatchFileRefSchema,
    response: FileContentSchema,
    errors: [ErrorCode.NotFound],
  }),
  /** Accepts a batch (`validating`), stored and queued in the durable batch stream before the answer. */
  createBatch: defineRequest({
    subject: 'media-gen.batch.create',
    request: CreateBatchRequestSchema,
    response: BatchObjectSchema,
    errors: [ErrorCode.NotFound, ErrorCode.ValidationFailed],
  }),
  getBatch: defineRequest({
    subject: 'media-gen.batch.get',
    request: BatchRefSchema,
    response: BatchObjectSchema,
    errors: [ErrorCode.NotFound],
  }),
  listBatches: defineRequest({
    subject: 'media-gen.batch.list',
    request: ListBatchesQuerySchema,
    response: BatchListSchema,
  }),
  /** `cancelling` until the replica running it stops; CONFLICT once it is finalizing or finished. */
  cancelBatch: defineRequest({
    subject: 'media-gen.batch.cancel',
    request: BatchRefSchema,
    response: BatchObjectSchema,
    errors: [ErrorCode.NotFound, ErrorCode.Conflict],
  }),
  /** A batch to run; durable, consumed by the media-gen batch workers. */
  batchAccepted: defineEvent({
    subject: 'media-gen.batch.accepted',
    payload: z.strictObject({ batchId: z.uuid() }),
    durable: { stream: 'MEDIA_GEN_BATCHES' },
  }),
  /** Heard by every media-gen replica: the one running the batch stops it. */
  batchCancelled: defineEvent({
    subject: 'media-gen.batch.cancelled',
    payload: z.strictObject({ batchId: z.uuid() }),
  }),
} as const;

/** The durable consumer through which media-gen workers take accepted batches. */
export const MEDIA_GEN_BATCH_WORKER_CONSUMER = 'media-gen-batch-worker';
