import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import {
  DocumentBatchSchema,
  DocumentInputSchema,
  SearchContract,
  requireUserId,
  type ParsedRequestOf,
} from '@conduit/contracts';
import { UploadPayloads } from '../uploads/upload-payloads';
import { DocumentsService } from './documents.service';

/** Documents, always the envelope's user's. */
@Controller()
export class DocumentsHandler {
  constructor(
    private readonly documents: DocumentsService,
    private readonly uploads: UploadPayloads,
  ) {}

  @HandleRequest(SearchContract.submitDocuments)
  async submit(
    @Payload() payload: ParsedRequestOf<typeof SearchContract.submitDocuments>,
    @Ctx() ctx: BusContext,
  ) {
    const userId = requireUserId(ctx.envelope);
    const batch = await this.uploads.resolve(payload.batch, DocumentBatchSchema);
    const owner = { userId, apiKeyId: ctx.envelope.apiKeyId };
    return { documents: await this.documents.submit(owner, batch.documents) };
  }

  @HandleRequest(SearchContract.replaceDocument)
  async replace(
    @Payload() payload: ParsedRequestOf<typeof SearchContract.replaceDocument>,
    @Ctx() ctx: BusContext,
  ) {
    const userId = requireUserId(ctx.envelope);
    const document = await this.uploads.resolve(payload.document, DocumentInputSchema);
    return this.documents.replace({ userId, apiKeyId: ctx.envelope.apiKeyId }, payload.id, document);
  }

  @HandleRequest(SearchContract.listDocuments)
  list(@Payload() payload: ParsedRequestOf<typeof SearchContract.listDocuments>, @Ctx() ctx: BusContext) {
    return this.documents.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(SearchContract.getDocument)
  get(@Payload() payload: ParsedRequestOf<typeof SearchContract.getDocument>, @Ctx() ctx: BusContext) {
    return this.documents.get(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(SearchContract.deleteDocument)
  async delete(
    @Payload() payload: ParsedRequestOf<typeof SearchContract.deleteDocument>,
    @Ctx() ctx: BusContext,
  ) {
    await this.documents.delete(requireUserId(ctx.envelope), payload.id);
    return { deleted: true as const };
  }
}
