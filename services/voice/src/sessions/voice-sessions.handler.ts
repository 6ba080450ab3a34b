import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { requireUserId, VoiceContract, type ParsedRequestOf } from '@conduit/contracts';
import { VoiceSessionManager } from './voice-session-manager';

/** Opens live sessions: the replica that answers owns the session from then on. */
@Controller()
export class VoiceSessionsHandler {
  constructor(private readonly sessions: VoiceSessionManager) {}

  @HandleRequest(VoiceContract.openSession)
  open(@Payload() payload: ParsedRequestOf<typeof VoiceContract.openSession>, @Ctx() ctx: BusContext) {
    const userId = requireUserId(ctx.envelope);
    return this.sessions.open(payload, {
      userId,
      apiKeyId: ctx.envelope.apiKeyId,
      traceparent: ctx.envelope.traceparent,
      tracestate: ctx.envelope.tracestate,
    });
  }
}
