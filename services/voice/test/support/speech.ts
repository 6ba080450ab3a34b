import type { PcmAudio } from '../../src/audio/pcm-audio';
import { resamplePcm } from '../../src/audio/pcm-resampler';
import type { TextToSpeechEngine } from '../../src/tts/text-to-speech.port';

/** Speaks `text` with `engine` and returns the whole recording. */
export async function speak(engine: TextToSpeechEngine, text: string, voice?: string): Promise<PcmAudio> {
  const chunks: Buffer[] = [];
  for await (const chunk of engine.synthesize(text, { voice, signal: new AbortController().signal }))
    chunks.push(chunk);
  return { sampleRate: engine.sampleRate, data: Buffer.concat(chunks) };
}

/** The same recording at another rate. */
export async function atRate(audio: PcmAudio, sampleRate: number): Promise<PcmAudio> {
  return { sampleRate, data: await resamplePcm(audio.data, audio.sampleRate, sampleRate) };
}

/** `seconds` of digital silence at `sampleRate`. */
export const silence = (seconds: number, sampleRate: number): Buffer =>
  Buffer.alloc(Math.round(seconds * sampleRate) * 2);
