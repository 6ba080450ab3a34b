import type { BatchFileObject, BatchObject } from '@conduit/contracts';
import type { StoredBatchFile } from './batch-file.repository';
import type { StoredBatch } from './batch.repository';
import { batchIdOf, fileIdOf } from './batch-ids';

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const secondsOrNull = (date: Date | null): number | null => (date ? seconds(date) : null);

/** OpenAI's file object for a stored file. */
export function toFileObject(file: StoredBatchFile): BatchFileObject {
  return {
    id: fileIdOf(file.id),
    object: 'file',
    bytes: file.bytes,
    created_at: seconds(file.createdAt),
    expires_at: null,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}

/** OpenAI's batch object for a stored batch. */
export function toBatchObject(batch: StoredBatch): BatchObject {
  return {
    id: batchIdOf(batch.id),
    object: 'batch',
    endpoint: batch.endpoint,
    errors: batch.errors ? { object: 'list', data: batch.errors } : null,
    input_file_id: fileIdOf(batch.inputFileId),
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId ? fileIdOf(batch.outputFileId) : null,
    error_file_id: batch.errorFileId ? fileIdOf(batch.errorFileId) : null,
    created_at: seconds(batch.createdAt),
    in_progress_at: secondsOrNull(batch.inProgressAt),
    expires_at: seconds(batch.expiresAt),
    finalizing_at: secondsOrNull(batch.finalizingAt),
    completed_at: secondsOrNull(batch.completedAt),
    failed_at: secondsOrNull(batch.failedAt),
    expired_at: secondsOrNull(batch.expiredAt),
    cancelling_at: secondsOrNull(batch.cancellingAt),
    cancelled_at: secondsOrNull(batch.cancelledAt),
    request_counts: { total: batch.total, completed: batch.completed, failed: batch.failed },
    metadata: batch.metadata,
  };
}

/** OpenAI's list page: `first_id`/`last_id` of the page, `has_more` when one more item was found. */
export function toListPage<T extends { id: string }>(items: readonly T[], limit: number) {
  const data = items.slice(0, limit);
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: items.length > limit,
  };
}
