import type {
  EngineAvailability,
  LiveRecognition,
  RecognitionOptions,
  SpeechToTextEngine,
  TranscriptUpdate,
  TranscriptionResult,
} from '../../src/stt/speech-to-text.port';
import type { SynthesisOptions, TextToSpeechEngine, VoiceInfo } from '../../src/tts/text-to-speech.port';

const AVAILABLE: EngineAvailability = { available: true };

/**
 * A recogniser for tests of the pipeline around it: it hears how much audio a turn holds and, once
 * the turn ends, "recognises" the text it was given (with a partial first while audio comes in).
 */
export class ScriptedRecogniser implements SpeechToTextEngine {
  readonly id = 'scripted';
  readonly sampleRate = 16_000;
  /** Audio bytes each recognition was written, in order. */
  readonly heard: number[] = [];

  constructor(public transcript: string) {}

  availability(): Promise<EngineAvailability> {
    return Promise.resolve(AVAILABLE);
  }

  recognize(options: RecognitionOptions): LiveRecognition {
    const updates = new UpdateQueue();
    const index = this.heard.push(0) - 1;
    let partialSent = false;
    options.signal.addEventListener('abort', () => updates.close(), { once: true });
    return {
      write: (audio) => {
        this.heard[index]! += audio.length;
        // A partial once a quarter second of speech came in.
        if (!partialSent && this.heard[index]! >= this.sampleRate / 2) {
          partialSent = true;
          updates.push({ kind: 'partial', text: this.transcript.split(' ')[0] ?? '' });
        }
      },
      end: () => {
        updates.push({ kind: 'final', text: this.transcript });
        updates.close();
      },
      updates,
    };
  }

  transcribe(): Promise<TranscriptionResult> {
    return Promise.resolve({ text: this.transcript, durationSeconds: 0 });
  }
}

/** A synthesiser for tests: speaks every character as 40 ms of a tone, in chunks of 100 ms. */
export class ToneSynthesiser implements TextToSpeechEngine {
  readonly id = 'tone';
  readonly sampleRate = 22_050;
  readonly spoken: string[] = [];

  availability(): Promise<EngineAvailability> {
    return Promise.resolve(AVAILABLE);
  }

  voices(): Promise<readonly VoiceInfo[]> {
    return Promise.resolve([{ id: 'a4', name: 'A4 tone' }]);
  }

  async *synthesize(text: string, options: SynthesisOptions): AsyncIterable<Buffer> {
    this.spoken.push(text);
    const total = Math.round((text.length * 40 * this.sampleRate) / 1000);
    const chunk = this.sampleRate / 10;
    for (let at = 0; at < total; at += chunk) {
      if (options.signal.aborted) return;
      const samples = Math.min(chunk, total - at);
      const pcm = Buffer.alloc(samples * 2);
      for (let i = 0; i < samples; i++)
        pcm.writeInt16LE(
          Math.round(6000 * Math.sin((2 * Math.PI * 440 * (at + i)) / this.sampleRate)),
          i * 2,
        );
      await Promise.resolve();
      yield pcm;
    }
  }
}

/** An async iterable fed from outside, for the recogniser's updates. */
class UpdateQueue implements AsyncIterable<TranscriptUpdate> {
  private readonly items: TranscriptUpdate[] = [];
  private closed = false;
  private wake: (() => void) | null = null;

  push(update: TranscriptUpdate): void {
    if (this.closed) return;
    this.items.push(update);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TranscriptUpdate> {
    for (;;) {
      const next = this.items.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
