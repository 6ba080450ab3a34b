import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { MediaStorageContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { StoredFilesService } from './stored-files.service';

/** Uploaded files, always the envelope's user's. */
@Controller()
export class StoredFilesHandler {
  constructor(private readonly files: StoredFilesService) {}

  @HandleRequest(MediaStorageContract.storeFile)
  store(@Payload() payload: ParsedRequestOf<typeof MediaStorageContract.storeFile>, @Ctx() ctx: BusContext) {
    return this.files.store(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(MediaStorageContract.getFile)
  get(@Payload() payload: ParsedRequestOf<typeof MediaStorageContract.getFile>, @Ctx() ctx: BusContext) {
    return this.files.get(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(MediaStorageContract.listFiles)
  list(@Payload() payload: ParsedRequestOf<typeof MediaStorageContract.listFiles>, @Ctx() ctx: BusContext) {
    return this.files.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(MediaStorageContract.deleteFile)
  delete(
    @Payload() payload: ParsedRequestOf<typeof MediaStorageContract.deleteFile>,
    @Ctx() ctx: BusContext,
  ) {
    return this.files.delete(requireUserId(ctx.envelope), payload.id);
  }

  @HandleRequest(MediaStorageContract.readFile)
  read(@Payload() payload: ParsedRequestOf<typeof MediaStorageContract.readFile>, @Ctx() ctx: BusContext) {
    return this.files.read(requireUserId(ctx.envelope), payload);
  }
}
