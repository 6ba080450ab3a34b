import type { Provider } from '@nestjs/common';
import type { VoiceConfig } from '../config';
import { AudioCodec } from './audio-codec';

/** The service's one {@link AudioCodec}, from its configuration. */
export const audioCodecProvider = (config: VoiceConfig): Provider => ({
  provide: AudioCodec,
  useFactory: () =>
    new AudioCodec({
      ffmpeg: config.VOICE_FFMPEG_BINARY,
      maxSeconds: config.VOICE_UPLOAD_MAX_SECONDS,
      timeoutMs: config.VOICE_CODEC_TIMEOUT_MS,
    }),
});
