import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { MemoryContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { MemoryService } from './memory.service';

/** Long-term memory, always the envelope's user's. */
@Controller()
export class MemoryHandler {
  constructor(private readonly memory: MemoryService) {}

  @HandleRequest(MemoryContract.recall)
  recall(@Payload() payload: ParsedRequestOf<typeof MemoryContract.recall>, @Ctx() ctx: BusContext) {
    const userId = requireUserId(ctx.envelope);
    return this.memory.recall({ userId, apiKeyId: ctx.envelope.apiKeyId }, payload);
  }

  @HandleRequest(MemoryContract.list)
  list(@Payload() payload: ParsedRequestOf<typeof MemoryContract.list>, @Ctx() ctx: BusContext) {
    return this.memory.list(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(MemoryContract.forget)
  forget(@Payload() payload: ParsedRequestOf<typeof MemoryContract.forget>, @Ctx() ctx: BusContext) {
    return this.memory.forget(requireUserId(ctx.envelope), payload);
  }
}
