import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Bus, ObjectTransfer } from '@conduit/bus';
import { MEDIA_DOWNLOADS_BUCKET, MediaGenContract, SignedFileRefSchema } from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const FileParamsSchema = SignedFileRefSchema.pick({ jobId: true, index: true });
const FileQuerySchema = SignedFileRefSchema.pick({ expires: true, signature: true });
/** Larger than any file the media-gen service makes. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** Generated files, through the signed expiring URLs a job's results carry; only for the user they were signed for. */
@Controller('api/v1/media/files')
export class MediaFilesController {
  private readonly downloads: ObjectTransfer;

  constructor(private readonly bus: Bus) {
    this.downloads = new ObjectTransfer(bus, MEDIA_DOWNLOADS_BUCKET);
  }

  @Get(':jobId/:index')
  @ApiRoute({
    summary:
      "A job's result file, from the signed URL in its results (403 when expired, altered or someone else's)",
    tag: 'media',
    params: FileParamsSchema,
    query: FileQuerySchema,
    produces: 'file',
  })
  async file(
    @Param() params: z.output<typeof FileParamsSchema>,
    @Query() query: z.output<typeof FileQuerySchema>,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = await this.bus.request(MediaGenContract.readFile, { ...params, ...query }, caller);
    const data =
      'inline' in file.content
        ? Buffer.from(file.content.inline, 'base64')
        : Buffer.from(await this.downloads.take(file.content.download, MAX_FILE_BYTES));
    await reply
      .header('content-type', file.contentType)
      .header('cache-control', 'private, max-age=300')
      .header('content-length', data.byteLength)
      .send(data);
  }
}
