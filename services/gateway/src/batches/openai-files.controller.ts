import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  BatchFileListSchema,
  BatchFileObjectSchema,
  BatchFileRefSchema,
  DomainError,
  ErrorCode,
  ListBatchFilesQuerySchema,
  MAX_BATCH_FILENAME_CHARS,
  MediaBatchContract,
  type ListBatchFilesQuery,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { ApiRoute } from '../http/api-route.decorator';
import { readUploadForm } from '../http/upload-form';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { BatchFileTransfer } from './batch-file-transfer';

const TAG = 'openai-compatible';
const UploadFieldsSchema = z.object({ purpose: z.literal('batch') });
/** Reading a large file and checking every line takes a while. */
const UPLOAD_TIMEOUT_MS = 120_000;

/**
 * OpenAI's Files API for batch request files (purpose `batch`) and the output files batches write,
 * over the media-gen service; only the caller's own files.
 */
@Controller('v1/files')
export class OpenAiFilesController {
  constructor(
    private readonly bus: Bus,
    private readonly transfer: BatchFileTransfer,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Upload a batch request file, OpenAI format (multipart/form-data: `file` as JSONL, `purpose` = batch)',
    tag: TAG,
    multipart: { fields: UploadFieldsSchema, file: 'file' },
    response: BatchFileObjectSchema,
  })
  async upload(@Req() request: FastifyRequest, @Caller() caller: AuthenticatedCaller) {
    const form = await readUploadForm(request, this.transfer, {
      allowedFields: ['purpose'],
      maxBytes: this.config.BATCH_FILE_MAX_BYTES,
      noun: 'file',
    });
    try {
      if (form.fields.purpose !== 'batch')
        throw new DomainError(ErrorCode.ValidationFailed, "purpose must be 'batch'", {
          fields: [{ path: 'purpose', message: "only 'batch' files are taken" }],
        });
      const filename = (form.filename ?? 'batch.jsonl').slice(0, MAX_BATCH_FILENAME_CHARS);
      return await this.bus.request(
        MediaBatchContract.uploadFile,
        { upload: form.upload, filename, purpose: 'batch' },
        caller,
        { timeoutMs: UPLOAD_TIMEOUT_MS },
      );
    } finally {
      // Taken by media-gen when it read it; gone by now unless it never got that far.
      await this.transfer.discard(form.upload);
    }
  }

  @Get()
  @ApiRoute({
    summary: 'Your batch files, newest first (OpenAI list: `after`, `limit`, `order`, `purpose`)',
    tag: TAG,
    query: ListBatchFilesQuerySchema,
    response: BatchFileListSchema,
  })
  list(@Query() query: ListBatchFilesQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaBatchContract.listFiles, query, caller);
  }

  @Get(':id')
  @ApiRoute({ summary: 'One file', tag: TAG, params: BatchFileRefSchema, response: BatchFileObjectSchema })
  get(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaBatchContract.getFile, params, caller);
  }

  @Get(':id/content')
  @ApiRoute({ summary: "A file's content (JSONL)", tag: TAG, params: BatchFileRefSchema, produces: 'file' })
  async content(
    @Param() params: { id: string },
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = await this.bus.request(MediaBatchContract.readFileContent, params, caller);
    const data =
      'inline' in file.content
        ? Buffer.from(file.content.inline, 'base64')
        : Buffer.from(await this.transfer.take(file.content.download));
    await reply.header('content-type', file.contentType).header('content-length', data.byteLength).send(data);
  }

  @Delete(':id')
  @ApiRoute({ summary: 'Delete a file', tag: TAG, params: BatchFileRefSchema })
  delete(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaBatchContract.deleteFile, params, caller);
  }
}
