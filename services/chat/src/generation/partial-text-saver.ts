import type { MessageRepository } from '../sessions/message.repository';

/** Saves a streaming answer's text every interval while it changes, one save at a time. */
export class PartialTextSaver {
  private latest = '';
  private saved = '';
  private saving: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly messages: MessageRepository,
    private readonly messageId: string,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.saveIfChanged(), intervalMs);
    this.timer.unref();
  }

  update(text: string): void {
    this.latest = text;
  }

  /** Stops saving and waits for a save in progress, so the final write cannot be overtaken. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.saving;
  }

  private saveIfChanged(): void {
    if (this.saving || this.latest === this.saved) return;
    const text = this.latest;
    this.saving = this.messages
      .savePartial(this.messageId, text)
      .then(() => void (this.saved = text))
      .catch(() => undefined) // the next tick tries again; the final save does not depend on it
      .finally(() => (this.saving = null));
  }
}
