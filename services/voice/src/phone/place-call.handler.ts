import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { requireUserId, VoiceCallsContract, type ParsedRequestOf } from '@conduit/contracts';
import { CallPlacer } from './call-placer';

@Controller()
export class PlaceCallHandler {
  constructor(private readonly placer: CallPlacer) {}

  /** A call for the user the request is from (an agent's run acts as its user). */
  @HandleRequest(VoiceCallsContract.placeCall)
  place(@Payload() payload: ParsedRequestOf<typeof VoiceCallsContract.placeCall>, @Ctx() ctx: BusContext) {
    return this.placer.place(requireUserId(ctx.envelope), payload);
  }
}
