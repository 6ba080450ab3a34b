import { access } from 'node:fs/promises';
import { pcmSeconds, type PcmAudio } from '../audio/pcm-audio';
import { resamplePcm } from '../audio/pcm-resampler';
import { canStart, ProcessRunError } from '../processes/child-process';
import { decoderErrorsOf, PocketSphinxDecoder, pocketSphinxModelFiles } from './pocketsphinx-decoder';
import { PocketSphinxRecognition } from './pocketsphinx-recognition';
import {
  SpeechToTextError,
  type EngineAvailability,
  type LiveRecognition,
  type RecognitionOptions,
  type SpeechToTextEngine,
  type TranscriptionResult,
} from './speech-to-text.port';

export interface PocketSphinxSettings {
  /** `pocketsphinx_continuous` (Debian package `pocketsphinx`), on the PATH or as a path. */
  readonly binary: string;
  /** The US English model folder (Debian package `pocketsphinx-en-us`). */
  readonly modelDir: string;
  /** How often a live recognition re-decodes the utterance so far for a partial transcript; 0 = never. */
  readonly partialIntervalMs: number;
}

/** Offline speech recognition with CMU PocketSphinx. English only: the model Debian ships is US English. */
export class PocketSphinxEngine implements SpeechToTextEngine {
  readonly id = 'pocketsphinx';
  readonly sampleRate = 16_000;
  private readonly decoder: PocketSphinxDecoder;

  constructor(private readonly settings: PocketSphinxSettings) {
    this.decoder = new PocketSphinxDecoder(settings.binary, settings.modelDir, this.sampleRate);
  }

  async availability(): Promise<EngineAvailability> {
    if (!(await canStart(this.settings.binary)))
      return {
        available: false,
        reason: `${this.settings.binary} cannot be started: install the Debian packages pocketsphinx and pocketsphinx-en-us`,
      };
    const missing = await firstMissing(Object.values(pocketSphinxModelFiles(this.settings.modelDir)));
    if (missing)
      return {
        available: false,
        reason: `the PocketSphinx model is missing (${missing}): install pocketsphinx-en-us`,
      };
    return { available: true };
  }

  recognize(options: RecognitionOptions): LiveRecognition {
    this.checkOptions(options);
    return new PocketSphinxRecognition({
      decoder: this.decoder,
      partialIntervalMs: this.settings.partialIntervalMs,
      signal: options.signal,
      explainFailure: (stderrTail) => this.failureOf(stderrTail),
    });
  }

  async transcribe(audio: PcmAudio, options: RecognitionOptions): Promise<TranscriptionResult> {
    this.checkOptions(options);
    const pcm =
      audio.sampleRate === this.sampleRate
        ? audio.data
        : await resamplePcm(audio.data, audio.sampleRate, this.sampleRate);
    try {
      const utterances = await this.decoder.decode(pcm, options.signal);
      return {
        text: utterances.join(' '),
        language: options.language,
        durationSeconds: pcmSeconds(audio.data.length, audio.sampleRate),
      };
    } catch (error) {
      if (options.signal.aborted) throw options.signal.reason;
      throw await this.failureOf(error instanceof ProcessRunError ? error.stderrTail : String(error));
    }
  }

  private checkOptions(options: RecognitionOptions): void {
    if (!/^en(-|$)/i.test(options.language))
      throw new SpeechToTextError(
        this.id,
        'bad_request',
        `PocketSphinx here recognises English only, not "${options.language}"`,
      );
    if (options.model !== undefined && options.model !== 'en-us')
      throw new SpeechToTextError(
        this.id,
        'bad_request',
        `PocketSphinx has one model here, "en-us", not "${options.model}"`,
      );
  }

  /** Why the decoder failed: missing pieces are `unavailable`, anything else an engine failure. */
  private async failureOf(stderrTail: string): Promise<SpeechToTextError> {
    const availability = await this.availability();
    if (!availability.available) return new SpeechToTextError(this.id, 'unavailable', availability.reason);
    const errors = decoderErrorsOf(stderrTail);
    return new SpeechToTextError(this.id, 'upstream', `PocketSphinx failed${errors ? `: ${errors}` : ''}`);
  }
}

async function firstMissing(paths: readonly string[]): Promise<string | undefined> {
  for (const file of paths) {
    try {
      await access(file);
    } catch {
      return file;
    }
  }
  return undefined;
}
