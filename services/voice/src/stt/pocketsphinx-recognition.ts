import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { killProcessGroup, tailOf } from '../processes/child-process';
import { utterancesOf, type PocketSphinxDecoder } from './pocketsphinx-decoder';
import type { LiveRecognition, SpeechToTextError, TranscriptUpdate } from './speech-to-text.port';

export interface PocketSphinxRecognitionSettings {
  readonly decoder: PocketSphinxDecoder;
  /** 0 = no partial transcripts. */
  readonly partialIntervalMs: number;
  readonly signal: AbortSignal;
  /** Turns the decoder's stderr into the error the updates end with. */
  readonly explainFailure: (stderrTail: string) => Promise<SpeechToTextError>;
}

/** A partial re-decodes at most this much of the utterance (the newest part), to bound its cost. */
const PARTIAL_WINDOW_SECONDS = 12;
/** Too little audio to be worth a partial. */
const PARTIAL_MIN_SECONDS = 0.4;

/**
 * One live PocketSphinx recognition. The decoder reads the PCM from stdin as it is written and prints
 * each utterance when its own voice-activity detection hears it end: each printed line is a `final`
 * update (the text of that utterance; finals are not cumulative). The decoder has no partial output,
 * so while audio streams in, the utterance heard since the last final is re-decoded every
 * `partialIntervalMs` by a short-lived second decoder (one at a time, the newest
 * {@link PARTIAL_WINDOW_SECONDS} at most) and its text is a `partial` update.
 *
 * Every process is killed on abort, on error, and when the consumer stops reading the updates.
 */
export class PocketSphinxRecognition implements LiveRecognition {
  private readonly queue = new PassThrough({ objectMode: true });
  readonly updates: AsyncIterable<TranscriptUpdate> = this.queue;

  private readonly liveDecoder: ChildProcess;
  private stderr = '';
  private ended = false;
  private closed = false;

  /** The audio written since the last final, for partials. */
  private utterance: Buffer[] = [];
  private utteranceBytes = 0;
  /** Bumped at each final, so a partial decoded from an older utterance is dropped. */
  private utteranceGeneration = 0;
  private decodedBytes = 0;
  private lastPartial = '';
  private partialRun: AbortController | null = null;
  private readonly partialTimer: NodeJS.Timeout | null;

  constructor(private readonly settings: PocketSphinxRecognitionSettings) {
    this.liveDecoder = settings.decoder.startLive();
    this.liveDecoder.stdin?.on('error', () => undefined); // a dead decoder is reported by its exit
    this.liveDecoder.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = tailOf(this.stderr + chunk);
    });
    createInterface({ input: this.liveDecoder.stdout! }).on('line', (line) => this.onUtterance(line));
    this.liveDecoder.once('error', () => void this.fail(''));
    this.liveDecoder.once('close', (code, signal) => this.onDecoderExit(code, signal));

    this.queue.once('close', () => this.close()); // the consumer stopped reading
    if (settings.signal.aborted) this.close();
    else settings.signal.addEventListener('abort', () => this.close(), { once: true });

    this.partialTimer =
      settings.partialIntervalMs > 0
        ? setInterval(() => void this.decodePartial(), settings.partialIntervalMs)
        : null;
    this.partialTimer?.unref();
  }

  write(audio: Buffer): void {
    if (this.ended || this.closed || audio.length === 0) return;
    this.utterance.push(audio);
    this.utteranceBytes += audio.length;
    this.liveDecoder.stdin?.write(audio);
  }

  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    this.stopPartials();
    this.liveDecoder.stdin?.end();
  }

  private onUtterance(line: string): void {
    const [text] = utterancesOf(line);
    this.utterance = [];
    this.utteranceBytes = 0;
    this.decodedBytes = 0;
    this.utteranceGeneration++;
    this.lastPartial = '';
    this.partialRun?.abort();
    if (text) this.push({ kind: 'final', text });
  }

  private onDecoderExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    if (code === 0 && this.ended) {
      this.closed = true;
      this.stopPartials();
      this.queue.end();
      return;
    }
    void this.fail(
      this.stderr || `the decoder ${signal ? `was killed by ${signal}` : `exited with ${code}`}`,
    );
  }

  private async fail(stderrTail: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopPartials();
    killProcessGroup(this.liveDecoder);
    const error = await this.settings.explainFailure(stderrTail);
    this.queue.destroy(error);
  }

  /** Abort, or the consumer went away: kill everything, no more updates. */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPartials();
    killProcessGroup(this.liveDecoder);
    this.queue.end();
  }

  private stopPartials(): void {
    if (this.partialTimer) clearInterval(this.partialTimer);
    this.partialRun?.abort();
  }

  private async decodePartial(): Promise<void> {
    const bytesPerSecond = this.settings.decoder.sampleRate * 2;
    if (this.partialRun || this.ended || this.closed) return;
    if (
      this.utteranceBytes === this.decodedBytes ||
      this.utteranceBytes < PARTIAL_MIN_SECONDS * bytesPerSecond
    )
      return;
    const generation = this.utteranceGeneration;
    const window = Buffer.concat(this.utterance).subarray(-PARTIAL_WINDOW_SECONDS * bytesPerSecond);
    this.decodedBytes = this.utteranceBytes;
    const run = new AbortController();
    this.partialRun = run;
    try {
      const text = (await this.settings.decoder.decode(window, run.signal)).join(' ');
      if (generation !== this.utteranceGeneration || this.ended || this.closed) return;
      if (text && text !== this.lastPartial) {
        this.lastPartial = text;
        this.push({ kind: 'partial', text });
      }
    } catch {
      // A partial is only a hint: a failed one is skipped, the live decoder reports real failures.
    } finally {
      if (this.partialRun === run) this.partialRun = null;
    }
  }

  private push(update: TranscriptUpdate): void {
    if (!this.queue.writableEnded && !this.queue.destroyed) this.queue.write(update);
  }
}
