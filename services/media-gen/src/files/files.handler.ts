import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { MediaGenContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { FileReaderService } from './file-reader.service';

@Controller()
export class FilesHandler {
  constructor(private readonly files: FileReaderService) {}

  @HandleRequest(MediaGenContract.readFile)
  read(@Payload() payload: ParsedRequestOf<typeof MediaGenContract.readFile>, @Ctx() ctx: BusContext) {
    return this.files.read(requireUserId(ctx.envelope), payload);
  }
}
