import { z } from 'zod';
import { defineRequest } from './definitions';
import { ErrorCode } from './errors';
import { FileContentSchema } from './media-gen';

/**
 * Files users upload to keep (served by the media-gen service, in the same storage as generated media):
 * stored per user, their type told from their content, read through signed expiring URLs. Every request
 * is answered for the envelope's user only.
 */

export const DEFAULT_STORED_FILE_PAGE_SIZE = 20;
export const MAX_STORED_FILE_PAGE_SIZE = 100;
export const MAX_STORED_FILE_NAME_CHARS = 255;

/**
 * The JetStream Object Store bucket through which uploads travel from the gateway to the media-gen
 * service as they arrive (no upload is ever one bus message); media-gen removes them, unread ones expire.
 */
export const MEDIA_UPLOADS_BUCKET = 'MEDIA_UPLOADS';

/**
 * A file's name as the client gave it: kept to show, never used as a path or key. Names that try to be
 * paths (`/`, `\`, `.` or `..`) or hold control characters are refused.
 */
export const StoredFileNameSchema = z
  .string()
  .min(1)
  .max(MAX_STORED_FILE_NAME_CHARS)
  .refine((name) => !/[/\\\p{Cc}]/u.test(name), {
    message: 'must be a plain file name, without / \\ or control characters',
  })
  .refine((name) => name !== '.' && name !== '..', { message: 'must be a plain file name, not . or ..' });

export const StoreFileRequestSchema = z.strictObject({
  /** The object's name in {@link MEDIA_UPLOADS_BUCKET}. */
  upload: z.string().min(1).max(200),
  filename: StoredFileNameSchema.optional(),
  /** The Content-Type the client sent with the file: only compared with what the content is. */
  declaredType: z.string().max(200).optional(),
});

export const StoredFileSchema = z.object({
  id: z.uuid(),
  filename: z.string().nullable(),
  /** Told from the content, never from the name or the declared type. */
  contentType: z.string(),
  bytes: z.number().int().nonnegative(),
  /** SHA-256 of the content, hex. */
  sha256: z.string(),
  /** Signed, expiring: relative to the gateway, or (with direct downloads) the storage's own presigned URL. */
  url: z.string(),
  urlExpiresAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
});
export type StoredFile = z.infer<typeof StoredFileSchema>;

export const StoredFileRefSchema = z.strictObject({ id: z.uuid() });

export const ListStoredFilesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_STORED_FILE_PAGE_SIZE).default(DEFAULT_STORED_FILE_PAGE_SIZE),
  /** From `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type ListStoredFilesQuery = z.output<typeof ListStoredFilesQuerySchema>;

export const StoredFilePageSchema = z.object({
  /** Newest first. */
  data: z.array(StoredFileSchema),
  nextCursor: z.string().nullable(),
});
export type StoredFilePage = z.infer<typeof StoredFilePageSchema>;

/** What a stored file's signed URL carries: which file, until when, and the signature over both and the owner. */
export const SignedStoredFileRefSchema = z.strictObject({
  id: z.uuid(),
  /** Unix seconds. */
  expires: z.coerce.number().int().positive(),
  /** HMAC-SHA256, hex. */
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SignedStoredFileRef = z.infer<typeof SignedStoredFileRefSchema>;

export const StoredFileContentSchema = FileContentSchema.extend({ filename: z.string().nullable() });
export type StoredFileContent = z.infer<typeof StoredFileContentSchema>;

export const MediaStorageContract = {
  /**
   * Keeps an upload: its type sniffed from the content (UNSUPPORTED_FILE_TYPE when the declared type
   * contradicts it), streamed into storage, recorded for the user.
   */
  storeFile: defineRequest({
    subject: 'media-gen.stored-file.create',
    request: StoreFileRequestSchema,
    response: StoredFileSchema,
    errors: [ErrorCode.NotFound, ErrorCode.PayloadTooLarge, ErrorCode.UnsupportedFileType],
  }),
  getFile: defineRequest({
    subject: 'media-gen.stored-file.get',
    request: StoredFileRefSchema,
    response: StoredFileSchema,
    errors: [ErrorCode.NotFound],
  }),
  listFiles: defineRequest({
    subject: 'media-gen.stored-file.list',
    request: ListStoredFilesQuerySchema,
    response: StoredFilePageSchema,
  }),
  deleteFile: defineRequest({
    subject: 'media-gen.stored-file.delete',
    request: StoredFileRefSchema,
    response: z.object({ id: z.uuid(), deleted: z.literal(true) }),
    errors: [ErrorCode.NotFound],
  }),
  /** A stored file's content, for a signed URL that is valid, unexpired and the caller's. */
  readFile: defineRequest({
    subject: 'media-gen.stored-file.read',
    request: SignedStoredFileRefSchema,
    response: StoredFileContentSchema,
    errors: [ErrorCode.NotFound, ErrorCode.Forbidden],
  }),
} as const;
