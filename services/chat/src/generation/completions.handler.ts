import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { ChatContract, requireUserId } from '@conduit/contracts';
import type { ParsedRequestOf } from '@conduit/contracts';
import { SessionCompletionService } from './session-completion.service';
import { StatelessCompletionService } from './stateless-completion.service';

@Controller()
export class CompletionsHandler {
  constructor(
    private readonly sessionCompletions: SessionCompletionService,
    private readonly statelessCompletions: StatelessCompletionService,
  ) {}

  @HandleRequest(ChatContract.startCompletion)
  start(@Payload() payload: ParsedRequestOf<typeof ChatContract.startCompletion>, @Ctx() ctx: BusContext) {
    return this.sessionCompletions.start(requireUserId(ctx.envelope), payload, ctx.caller);
  }

  @HandleRequest(ChatContract.regenerate)
  regenerate(@Payload() payload: ParsedRequestOf<typeof ChatContract.regenerate>, @Ctx() ctx: BusContext) {
    return this.sessionCompletions.regenerate(requireUserId(ctx.envelope), payload, ctx.caller);
  }

  @HandleRequest(ChatContract.editMessage)
  edit(@Payload() payload: ParsedRequestOf<typeof ChatContract.editMessage>, @Ctx() ctx: BusContext) {
    return this.sessionCompletions.edit(requireUserId(ctx.envelope), payload, ctx.caller);
  }

  @HandleRequest(ChatContract.runCompletion)
  run(@Payload() payload: ParsedRequestOf<typeof ChatContract.runCompletion>, @Ctx() ctx: BusContext) {
    requireUserId(ctx.envelope);
    return this.statelessCompletions.start(payload, ctx.caller);
  }
}
