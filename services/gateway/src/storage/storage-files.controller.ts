import { Controller, Delete, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Bus, ObjectTransfer } from '@conduit/bus';
import {
  ListStoredFilesQuerySchema,
  MEDIA_DOWNLOADS_BUCKET,
  MEDIA_UPLOADS_BUCKET,
  MediaStorageContract,
  SignedStoredFileRefSchema,
  StoreFileRequestSchema,
  StoredFilePageSchema,
  StoredFileRefSchema,
  StoredFileSchema,
  validationError,
  type ListStoredFilesQuery,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { ApiRoute } from '../http/api-route.decorator';
import { readUploadForm, type UploadSink } from '../http/upload-form';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'storage';
const ContentQuerySchema = SignedStoredFileRefSchema.pick({ expires: true, signature: true });
/** Storing a large upload streams it from the uploads bucket into storage: allow it time. */
const STORE_TIMEOUT_MS = 300_000;

/**
 * Files users keep: uploaded as multipart/form-data (streamed through the media uploads bucket to the
 * media-gen service, never whole in memory here), read through signed expiring URLs, listed, deleted.
 */
@Controller('api/v1/storage/files')
export class StorageFilesController {
  private readonly uploads: UploadSink;
  private readonly downloads: ObjectTransfer;

  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {
    const uploads = new ObjectTransfer(bus, MEDIA_UPLOADS_BUCKET);
    this.uploads = { put: (content) => uploads.put(content), discard: (name) => uploads.delete(name) };
    this.downloads = new ObjectTransfer(bus, MEDIA_DOWNLOADS_BUCKET);
  }

  @Post()
  @ApiRoute({
    summary:
      'Upload a file to keep (multipart/form-data, one `file` part, up to STORAGE_FILE_MAX_BYTES): its type is told from its content; a declared type that contradicts it is 415',
    tag: TAG,
    multipart: { fields: z.object({}), file: 'file' },
    response: StoredFileSchema,
    successStatus: 201,
  })
  async upload(@Req() request: FastifyRequest, @Caller() caller: AuthenticatedCaller) {
    const form = await readUploadForm(request, this.uploads, {
      allowedFields: [],
      maxBytes: this.config.STORAGE_FILE_MAX_BYTES,
      noun: 'file',
    });
    try {
      const submission = StoreFileRequestSchema.safeParse({
        upload: form.upload,
        ...(form.filename ? { filename: form.filename } : {}),
        ...(form.declaredType ? { declaredType: form.declaredType.slice(0, 200) } : {}),
      });
      if (!submission.success) throw validationError(submission.error, 'file');
      return await this.bus.request(MediaStorageContract.storeFile, submission.data, caller, {
        timeoutMs: STORE_TIMEOUT_MS,
      });
    } finally {
      await this.uploads.discard(form.upload);
    }
  }

  @Get()
  @ApiRoute({
    summary: 'Your files, newest first, one page at a time',
    tag: TAG,
    query: ListStoredFilesQuerySchema,
    response: StoredFilePageSchema,
  })
  list(@Query() query: ListStoredFilesQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaStorageContract.listFiles, query, caller);
  }

  @Get(':id')
  @ApiRoute({
    summary: "One file's name, type, size and digest, with a signed expiring URL to its content",
    tag: TAG,
    params: StoredFileRefSchema,
    response: StoredFileSchema,
  })
  get(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaStorageContract.getFile, params, caller);
  }

  @Delete(':id')
  @ApiRoute({
    summary: 'Delete a file: its content and its record',
    tag: TAG,
    params: StoredFileRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    await this.bus.request(MediaStorageContract.deleteFile, params, caller);
  }

  @Get(':id/content')
  @ApiRoute({
    summary:
      "A file's content, from the signed URL its metadata carries (403 when expired, altered or someone else's)",
    tag: TAG,
    params: StoredFileRefSchema,
    query: ContentQuerySchema,
    produces: 'file',
  })
  async content(
    @Param() params: { id: string },
    @Query() query: z.output<typeof ContentQuerySchema>,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = await this.bus.request(MediaStorageContract.readFile, { ...params, ...query }, caller);
    reply
      .header(
        'content-type',
        file.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : file.contentType,
      )
      .header('content-length', file.bytes)
      .header('cache-control', 'private, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', contentDisposition(file.filename ?? `${params.id}`));
    if ('inline' in file.content) {
      await reply.send(Buffer.from(file.content.inline, 'base64'));
    } else {
      const download = await this.downloads.takeStream(file.content.download, file.bytes);
      await reply.send(download.stream);
    }
  }
}

/** Always an attachment (never rendered in the API's origin), the name as RFC 6266 says for any characters. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
