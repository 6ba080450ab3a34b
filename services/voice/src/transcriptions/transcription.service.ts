import { Inject, Injectable } from '@nestjs/common';
import type { Transcription, TranscribeRequest } from '@conduit/contracts';
import type { MeteredCaller } from '@conduit/metering';
import { InjectConfig } from '@conduit/service-kit';
import { AudioCodec } from '../audio/audio-codec';
import { pcmSeconds } from '../audio/pcm-audio';
import type { VoiceConfig } from '../config';
import { engineErrorToDomain, requireAvailable } from '../engines/engine-errors';
import { SPEECH_TO_TEXT, type SpeechToTextRegistry } from '../engines/engines.providers';
import { VoiceMetering } from '../metering/voice-metering';
import { VoiceAudioStore } from '../transfer/voice-audio-store';

/** Uploaded recordings to text: taken from the bucket, decoded by ffmpeg, transcribed by the engine. */
@Injectable()
export class TranscriptionService {
  constructor(
    @Inject(SPEECH_TO_TEXT) private readonly engines: SpeechToTextRegistry,
    private readonly codec: AudioCodec,
    private readonly store: VoiceAudioStore,
    private readonly metering: VoiceMetering,
    @InjectConfig() private readonly config: VoiceConfig,
  ) {}

  /** Metered as the recording's seconds, with `reference` in the usage record. */
  async transcribe(
    caller: MeteredCaller,
    request: Pick<TranscribeRequest, 'upload' | 'language' | 'engine' | 'model'>,
    reference: string,
  ): Promise<Transcription> {
    try {
      const engine = this.engines.get(request.engine);
      await requireAvailable(engine);
      const audio = await this.codec.decode(await this.store.takeUpload(request.upload), engine.sampleRate);
      const seconds = pcmSeconds(audio.data.length, audio.sampleRate);
      const metered = await this.metering.listening(caller, engine.id, reference, seconds);
      let result;
      try {
        result = await engine.transcribe(audio, {
          language: request.language,
          model: request.model,
          signal: AbortSignal.timeout(this.config.VOICE_REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        metered.release();
        throw error;
      }
      await metered.record(seconds);
      return {
        text: result.text,
        language: result.language ?? request.language,
        durationSeconds: result.durationSeconds,
        engine: engine.id,
        inputFormat: audio.format.container,
      };
    } catch (error) {
      throw engineErrorToDomain(error);
    }
  }
}
