import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { VoiceContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { TranscriptionService } from './transcription.service';

@Controller()
export class TranscriptionHandler {
  constructor(private readonly transcriptions: TranscriptionService) {}

  @HandleRequest(VoiceContract.transcribe)
  transcribe(@Payload() payload: ParsedRequestOf<typeof VoiceContract.transcribe>, @Ctx() ctx: BusContext) {
    const caller = { userId: requireUserId(ctx.envelope), apiKeyId: ctx.envelope.apiKeyId };
    return this.transcriptions.transcribe(caller, payload, `transcription/${ctx.envelope.messageId}`);
  }
}
