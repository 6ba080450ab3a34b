import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { SearchContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { SearchConfig } from '../config';
import { UploadPayloads } from '../uploads/upload-payloads';
import { DocumentsService } from './documents.service';
import { fileTextOf } from './file-text';

/** Uploaded files: read from the uploads bucket, their text extracted, accepted as one document each. */
@Controller()
export class FilesHandler {
  constructor(
    private readonly documents: DocumentsService,
    private readonly uploads: UploadPayloads,
    @InjectConfig() private readonly config: SearchConfig,
  ) {}

  @HandleRequest(SearchContract.submitFile)
  async submit(
    @Payload() payload: ParsedRequestOf<typeof SearchContract.submitFile>,
    @Ctx() ctx: BusContext,
  ) {
    const userId = requireUserId(ctx.envelope);
    const bytes = await this.uploads.takeBytes(payload.upload);
    const extracted = await fileTextOf(bytes, payload, this.config.SEARCH_UPLOAD_MAX_BYTES);
    const title = payload.title ?? extracted.title ?? payload.filename ?? undefined;
    const [accepted] = await this.documents.submit(
      { userId, apiKeyId: ctx.envelope.apiKeyId },
      [
        {
          text: extracted.text,
          ...(title && title.trim() ? { title: title.slice(0, 500) } : {}),
          ...(payload.source ? { source: payload.source } : {}),
          ...(payload.tags ? { tags: payload.tags } : {}),
          ...(payload.date ? { date: payload.date } : {}),
          ...(payload.collection ? { collection: payload.collection } : {}),
        },
      ],
      extracted.mediaType,
    );
    return { ...accepted!, contentType: extracted.mediaType };
  }
}
