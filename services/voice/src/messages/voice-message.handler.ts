import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { VoiceContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { VoiceMessageService } from './voice-message.service';

@Controller()
export class VoiceMessageHandler {
  constructor(private readonly messages: VoiceMessageService) {}

  @HandleRequest(VoiceContract.sendMessage)
  send(@Payload() payload: ParsedRequestOf<typeof VoiceContract.sendMessage>, @Ctx() ctx: BusContext) {
    const caller = { userId: requireUserId(ctx.envelope), apiKeyId: ctx.envelope.apiKeyId };
    return this.messages.send(caller, payload, `voice-message/${ctx.envelope.messageId}`);
  }
}
