import { Readable } from 'node:stream';
import type { TranscriptUpdate } from './speech-to-text.port';
import type { SpeechToTextError } from './speech-to-text.port';

/**
 * The `updates` of a live recognition fed from callbacks (socket messages, stream events): updates are
 * queued until read, `finish()` ends them, `fail()` makes the reader throw, and an abort of `signal` ends
 * them at once, dropping whatever was still queued. An object-mode Readable does the queueing.
 */
export class TranscriptUpdates implements AsyncIterable<TranscriptUpdate> {
  private readonly queue = new Readable({ objectMode: true, read: () => undefined });
  private settled = false;

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.finish(), { once: true });
  }

  /** Whether the updates ended (finished, failed or aborted): later pushes are dropped. */
  get done(): boolean {
    return this.settled;
  }

  push(update: TranscriptUpdate): void {
    if (!this.settled) this.queue.push(update);
  }

  finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.queue.push(null);
  }

  fail(error: SpeechToTextError): void {
    if (this.settled) return;
    this.settled = true;
    this.queue.destroy(error);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TranscriptUpdate> {
    for await (const update of this.queue) {
      if (this.signal.aborted) return;
      yield update as TranscriptUpdate;
    }
  }
}
