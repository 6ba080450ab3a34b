import type { Provider } from '@nestjs/common';
import type { VoiceConfig } from '../config';
import { GeminiLiveEngine } from '../realtime/gemini-live.engine';
import { OpenAIRealtimeEngine } from '../realtime/openai-realtime.engine';
import { RealtimeVoiceRegistry } from '../realtime/realtime-registry';
import { DeepgramSpeechToText } from '../stt/deepgram.engine';
import { OpenAISpeechToText } from '../stt/openai-transcription.engine';
import { PocketSphinxEngine } from '../stt/pocketsphinx.engine';
import type { SpeechToTextEngine } from '../stt/speech-to-text.port';
import { ElevenLabsTextToSpeech } from '../tts/elevenlabs.engine';
import { EspeakEngine } from '../tts/espeak.engine';
import { OpenAITextToSpeech } from '../tts/openai-speech.engine';
import type { TextToSpeechEngine } from '../tts/text-to-speech.port';
import { EngineRegistry } from './engine-registry';

export const SPEECH_TO_TEXT = Symbol('SPEECH_TO_TEXT');
export const TEXT_TO_SPEECH = Symbol('TEXT_TO_SPEECH');
export const REALTIME_VOICE = Symbol('REALTIME_VOICE');

export type SpeechToTextRegistry = EngineRegistry<SpeechToTextEngine>;
export type TextToSpeechRegistry = EngineRegistry<TextToSpeechEngine>;

/** Every speech-to-text engine of the service; adding a provider is one adapter plus one line here. */
export function buildSpeechToTextRegistry(config: VoiceConfig): SpeechToTextRegistry {
  const engines: SpeechToTextEngine[] = [
    new PocketSphinxEngine({
      binary: config.VOICE_POCKETSPHINX_BINARY,
      modelDir: config.VOICE_POCKETSPHINX_MODEL_DIR,
      partialIntervalMs: config.VOICE_POCKETSPHINX_PARTIAL_INTERVAL_MS,
    }),
    DeepgramSpeechToText.fromConfig(config),
    OpenAISpeechToText.fromConfig(config),
  ];
  return new EngineRegistry('speech-to-text', engines, config.VOICE_DEFAULT_STT);
}

/** Every text-to-speech engine of the service; adding a provider is one adapter plus one line here. */
export function buildTextToSpeechRegistry(config: VoiceConfig): TextToSpeechRegistry {
  const engines: TextToSpeechEngine[] = [
    new EspeakEngine({ binary: config.VOICE_ESPEAK_BINARY, defaultVoice: config.VOICE_ESPEAK_DEFAULT_VOICE }),
    OpenAITextToSpeech.fromConfig(config),
    ElevenLabsTextToSpeech.fromConfig(config),
  ];
  return new EngineRegistry('text-to-speech', engines, config.VOICE_DEFAULT_TTS);
}

/** Every realtime (speech-to-speech) engine; adding a provider is one adapter plus one line here. */
export function buildRealtimeVoiceRegistry(config: VoiceConfig): RealtimeVoiceRegistry {
  return new RealtimeVoiceRegistry(
    [OpenAIRealtimeEngine.fromConfig(config), GeminiLiveEngine.fromConfig(config)],
    config.VOICE_REALTIME_DEFAULT_MODEL,
  );
}

/** The registries as injectable providers (`@Inject(SPEECH_TO_TEXT)`, `TEXT_TO_SPEECH`, `REALTIME_VOICE`). */
export function engineProviders(config: VoiceConfig): Provider[] {
  return [
    { provide: SPEECH_TO_TEXT, useFactory: () => buildSpeechToTextRegistry(config) },
    { provide: TEXT_TO_SPEECH, useFactory: () => buildTextToSpeechRegistry(config) },
    { provide: REALTIME_VOICE, useFactory: () => buildRealtimeVoiceRegistry(config) },
  ];
}
