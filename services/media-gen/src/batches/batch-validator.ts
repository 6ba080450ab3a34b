import { Inject, Injectable } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  ChatContract,
  ErrorCode,
  type BatchError,
  type CallerContext,
  type ModelInfo,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { MediaGenConfig } from '../config';
import { MEDIA_STORAGE, type MediaStorage } from '../storage/media-storage.port';
import { BatchFileRepository } from './batch-file.repository';
import { BatchProviderApis } from './batch-provider-apis';
import { requestIdOf } from './batch-ids';
import { isValidRequestLine, parseRequestLine, readRequestFile } from './batch-request-file';
import { errorResponse } from './batch-responses';
import type { NewBatchRequest, StoredBatch } from './batch.repository';

/** What validating a batch gave: its lines to store, or why the batch cannot run at all. */
export type Validation = { requests: NewBatchRequest[] } | { errors: BatchError[] };

/**
 * Reads a validating batch's request file into its lines: a line that is no request, or names a model
 * this deployment does not have or cannot use, is failed at once with OpenAI's error for it; the others
 * wait to run, in their provider's batch API where one is configured, else through the chat service. A
 * file that is gone or unreadable fails the batch as a whole.
 */
@Injectable()
export class BatchValidator {
  constructor(
    private readonly bus: Bus,
    private readonly files: BatchFileRepository,
    private readonly providers: BatchProviderApis,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @InjectConfig() private readonly config: MediaGenConfig,
  ) {}

  async validate(owner: CallerContext & { userId: string }, batch: StoredBatch): Promise<Validation> {
    const file = await this.files.find(batch.userId, batch.inputFileId);
    const data = file ? await this.storage.get(file.storageKey) : null;
    if (!data) return { errors: [batchError('file_not_found', 'The input file is gone')] };
    let lines;
    try {
      lines = readRequestFile(data, this.config.MEDIA_BATCH_MAX_REQUESTS);
    } catch (error) {
      const line = (error as { details?: { line?: number } }).details?.line ?? null;
      return { errors: [{ ...batchError('invalid_file', (error as Error).message), line }] };
    }
    const { models } = await this.bus.request(ChatContract.listModels, {}, owner);
    const byId = new Map<string, ModelInfo>(models.map((m) => [m.id, m]));
    return {
      requests: lines.map((raw): NewBatchRequest => {
        const parsed = parseRequestLine(raw);
        if (!isValidRequestLine(parsed)) {
          return {
            line: parsed.line,
            customId: parsed.customId,
            body: null,
            model: null,
            route: 'chat',
            status: 'failed',
            response: null,
            error: { code: 'invalid_request', message: parsed.message },
          };
        }
        const model = byId.get(parsed.body.model);
        // A model whose provider's batch API is configured here goes there, whatever chat's keys.
        const batched = model ? this.providers.targetOf(model.id) !== null : false;
        const refusal = !model
          ? { code: ErrorCode.UnknownModel, message: `The model ${parsed.body.model} does not exist` }
          : !model.available && !batched
            ? { code: ErrorCode.ModelUnavailable, message: `The model ${model.id} is not available here` }
            : null;
        return {
          line: parsed.line,
          customId: parsed.customId,
          body: parsed.body,
          model: parsed.body.model,
          route: batched ? 'provider' : 'chat',
          status: refusal ? 'failed' : 'pending',
          response: refusal ? errorResponse(requestIdOf(batch.id, parsed.line), refusal) : null,
          error: null,
        };
      }),
    };
  }
}

const batchError = (code: string, message: string): BatchError => ({
  code,
  message,
  param: null,
  line: null,
});
