import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { ChatConfig } from '../config';
import { CHAT_CONFIG } from '../chat-config.token';
import type { CompletionStreamWriter } from './completion-runner';

/**
 * Generations this replica is producing. On shutdown they get the grace period to finish; whatever
 * still runs then is stopped and saved as interrupted, and its client told so.
 */
@Injectable()
export class InFlightGenerations implements BeforeApplicationShutdown {
  private readonly logger = new Logger(InFlightGenerations.name);
  private readonly running = new Map<CompletionStreamWriter, Promise<void>>();

  constructor(@Inject(CHAT_CONFIG) private readonly config: ChatConfig) {}

  get size(): number {
    return this.running.size;
  }

  track(writer: CompletionStreamWriter, generation: Promise<void>): void {
    const settled = generation
      .catch((error: unknown) => this.logger.error(`generation ${writer.streamId} failed: ${String(error)}`))
      .finally(() => this.running.delete(writer));
    this.running.set(writer, settled);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size === 0) return;
    this.logger.log(`waiting for ${this.running.size} generation(s) to finish`);
    const allDone = Promise.all(this.running.values());
    const graceOver = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.config.SHUTDOWN_GRACE_MS).unref(),
    );
    if ((await Promise.race([allDone, graceOver])) === 'timeout') {
      for (const writer of this.running.keys()) writer.abort('shutdown');
      await allDone;
    }
  }
}
