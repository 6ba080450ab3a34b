import { Controller, Inject } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { VoiceContract, requireUserId, type ParsedRequestOf, type VoiceList } from '@conduit/contracts';
import {
  SPEECH_TO_TEXT,
  TEXT_TO_SPEECH,
  type SpeechToTextRegistry,
  type TextToSpeechRegistry,
} from '../engines/engines.providers';
import { SpeechService } from './speech.service';

@Controller()
export class SpeechHandler {
  constructor(
    private readonly speech: SpeechService,
    @Inject(SPEECH_TO_TEXT) private readonly recognisers: SpeechToTextRegistry,
    @Inject(TEXT_TO_SPEECH) private readonly synthesisers: TextToSpeechRegistry,
  ) {}

  @HandleRequest(VoiceContract.synthesize)
  synthesize(@Payload() payload: ParsedRequestOf<typeof VoiceContract.synthesize>, @Ctx() ctx: BusContext) {
    const caller = { userId: requireUserId(ctx.envelope), apiKeyId: ctx.envelope.apiKeyId };
    return this.speech.synthesize(caller, payload, `speech/${ctx.envelope.messageId}`);
  }

  /** Every engine with whether it can run here, and the voices of those that can speak. */
  @HandleRequest(VoiceContract.listVoices)
  async listVoices(): Promise<VoiceList> {
    const [recognisers, synthesisers] = await Promise.all([
      this.recognisers.availability(),
      this.synthesisers.availability(),
    ]);
    const engines = [
      ...recognisers.map((engine) => ({
        ...engine,
        kind: 'speech-to-text' as const,
        default: engine.id === this.recognisers.defaultId,
      })),
      ...synthesisers.map((engine) => ({
        ...engine,
        kind: 'text-to-speech' as const,
        default: engine.id === this.synthesisers.defaultId,
      })),
    ];
    const voices = await Promise.all(
      synthesisers
        .filter((engine) => engine.available)
        .map(async ({ id }) => {
          const listed = await this.synthesisers
            .get(id)
            .voices()
            .catch(() => []);
          return listed.map((voice) => ({ engine: id, ...voice }));
        }),
    );
    return { engines, voices: voices.flat() };
  }
}
