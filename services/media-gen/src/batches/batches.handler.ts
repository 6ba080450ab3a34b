import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { MediaBatchContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { BatchFilesService } from './batch-files.service';
import { BatchesService } from './batches.service';

type Contract = typeof MediaBatchContract;
type RequestName = {
  [K in keyof Contract]: Contract[K] extends { kind: 'request' } ? K : never;
}[keyof Contract];
type Req<K extends RequestName> = ParsedRequestOf<Contract[K]>;

/** Batch files and batches, always the envelope's user's. */
@Controller()
export class BatchesHandler {
  constructor(
    private readonly files: BatchFilesService,
    private readonly batches: BatchesService,
  ) {}

  @HandleRequest(MediaBatchContract.uploadFile)
  uploadFile(@Payload() payload: Req<'uploadFile'>, @Ctx() ctx: BusContext) {
    return this.files.upload(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(MediaBatchContract.getFile)
  getFile(@Payload() payload: Req<'getFile'>, @Ctx() ctx: BusContext) {
    return this.files.get(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(MediaBatchContract.listFiles)
  listFiles(@Payload() payload: Req<'listFiles'>, @Ctx() ctx: BusContext) {
    return this.files.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(MediaBatchContract.deleteFile)
  deleteFile(@Payload() payload: Req<'deleteFile'>, @Ctx() ctx: BusContext) {
    return this.files.delete(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(MediaBatchContract.readFileContent)
  readFileContent(@Payload() payload: Req<'readFileContent'>, @Ctx() ctx: BusContext) {
    return this.files.content(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(MediaBatchContract.createBatch)
  createBatch(@Payload() payload: Req<'createBatch'>, @Ctx() ctx: BusContext) {
    return this.batches.create(ownerOf(ctx), payload);
  }

  @HandleRequest(MediaBatchContract.getBatch)
  getBatch(@Payload() payload: Req<'getBatch'>, @Ctx() ctx: BusContext) {
    return this.batches.get(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(MediaBatchContract.listBatches)
  listBatches(@Payload() payload: Req<'listBatches'>, @Ctx() ctx: BusContext) {
    return this.batches.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(MediaBatchContract.cancelBatch)
  cancelBatch(@Payload() payload: Req<'cancelBatch'>, @Ctx() ctx: BusContext) {
    return this.batches.cancel(ownerOf(ctx), payload.id);
  }
}

const ownerOf = (ctx: BusContext) => ({
  userId: requireUserId(ctx.envelope),
  apiKeyId: ctx.envelope.apiKeyId ?? null,
});
