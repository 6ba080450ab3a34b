import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { MediaGenContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { JobWatchService } from './job-watch.service';

@Controller()
export class JobWatchHandler {
  constructor(private readonly watch: JobWatchService) {}

  @HandleRequest(MediaGenContract.watchJob)
  async start(@Payload() payload: ParsedRequestOf<typeof MediaGenContract.watchJob>, @Ctx() ctx: BusContext) {
    const userId = requireUserId(ctx.envelope);
    await this.watch.watch({ ...ctx.caller, userId }, payload.jobId, payload.streamId);
    return { streamId: payload.streamId, jobId: payload.jobId };
  }
}
