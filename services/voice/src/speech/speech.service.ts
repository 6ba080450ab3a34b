import { Inject, Injectable } from '@nestjs/common';
import type { SpeechAudio, SynthesizeRequest } from '@conduit/contracts';
import type { MeteredCaller } from '@conduit/metering';
import { InjectConfig } from '@conduit/service-kit';
import { AudioCodec } from '../audio/audio-codec';
import { pcmSeconds } from '../audio/pcm-audio';
import type { VoiceConfig } from '../config';
import { engineErrorToDomain, requireAvailable } from '../engines/engine-errors';
import { TEXT_TO_SPEECH, type TextToSpeechRegistry } from '../engines/engines.providers';
import { VoiceMetering } from '../metering/voice-metering';
import { VoiceAudioStore } from '../transfer/voice-audio-store';

/** Text to an audio file: spoken by the engine, encoded by the codec, left in the bucket for the gateway. */
@Injectable()
export class SpeechService {
  constructor(
    @Inject(TEXT_TO_SPEECH) private readonly engines: TextToSpeechRegistry,
    private readonly codec: AudioCodec,
    private readonly store: VoiceAudioStore,
    private readonly metering: VoiceMetering,
    @InjectConfig() private readonly config: VoiceConfig,
  ) {}

  /** Metered as the text's characters, with `reference` in the usage record. */
  async synthesize(
    caller: MeteredCaller,
    request: Pick<SynthesizeRequest, 'text' | 'voice' | 'engine' | 'format' | 'language'>,
    reference: string,
  ): Promise<SpeechAudio> {
    try {
      const engine = this.engines.get(request.engine);
      await requireAvailable(engine);
      const chunks: Buffer[] = [];
      const options = {
        voice: request.voice,
        language: request.language,
        signal: AbortSignal.timeout(this.config.VOICE_REQUEST_TIMEOUT_MS),
      };
      const metered = await this.metering.speaking(caller, engine.id, reference, request.text.length);
      try {
        for await (const chunk of engine.synthesize(request.text, options)) chunks.push(chunk);
      } catch (error) {
        metered.release();
        throw error;
      }
      await metered.record(request.text.length);
      const pcm = { sampleRate: engine.sampleRate, data: Buffer.concat(chunks) };
      const encoded = await this.codec.encode(pcm, request.format);
      return {
        upload: await this.store.put(encoded.data),
        format: request.format,
        contentType: encoded.contentType,
        sampleRate: encoded.sampleRate,
        durationSeconds: pcmSeconds(pcm.data.length, pcm.sampleRate),
        engine: engine.id,
        ...(request.voice ? { voice: request.voice } : {}),
      };
    } catch (error) {
      throw engineErrorToDomain(error);
    }
  }
}
