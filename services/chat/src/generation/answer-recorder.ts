import { Injectable, Logger } from '@nestjs/common';
import type { PromptContext } from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { ChatConfig } from '../config';
import { MessageEventsPublisher } from '../events/message-events.publisher';
import type { ChatMessage } from '../generated/prisma/client';
import { FinishedAnswer, MessageRepository } from '../sessions/message.repository';
import { AnswerLeaseKeeper } from './answer-lease-keeper';
import type { CompletionStreamWriter } from './completion-runner';
import { AnswerEnd, emitOutcome } from './emit-outcome';
import { PartialTextSaver } from './partial-text-saver';

/** What produced an answer: how it ended, and other writes to finish before the stream ends. */
export interface ProducedAnswer {
  end: AnswerEnd;
  records?: Promise<unknown>[];
}

/**
 * The life of a stored answer, whoever produces it: held under its lease, its text saved as it grows,
 * its end stored before the stream's terminal event (so a client that sees `done` finds it saved), then
 * announced.
 */
@Injectable()
export class AnswerRecorder {
  private readonly logger = new Logger(AnswerRecorder.name);

  constructor(
    private readonly messages: MessageRepository,
    private readonly leases: AnswerLeaseKeeper,
    private readonly events: MessageEventsPublisher,
    @InjectConfig() private readonly config: ChatConfig,
  ) {}

  async record(
    writer: CompletionStreamWriter,
    messageId: string,
    promptContext: PromptContext,
    produce: (onText: (textSoFar: string) => void) => Promise<ProducedAnswer>,
  ): Promise<AnswerEnd> {
    // Released once the final save is done: until then the answer is this replica's, however long it takes.
    const releaseLease = this.leases.hold(messageId);
    let end: AnswerEnd;
    let saved: ChatMessage | null;
    try {
      const saver = new PartialTextSaver(this.messages, messageId, this.config.PARTIAL_FLUSH_INTERVAL_MS);
      const produced = await produce((text) => saver.update(text));
      await saver.stop();
      end = produced.end;
      [saved] = await Promise.all([this.saveAnswer(messageId, end), ...(produced.records ?? [])]);
    } finally {
      releaseLease();
    }
    emitOutcome(writer, end, messageId, promptContext);
    if (saved) await this.events.messageCreated(saved);
    return end;
  }

  /**
   * Stores the final answer; the stream still ends if that fails (the client has the text), and a save
   * that finds no answer to update says why in the log.
   */
  private async saveAnswer(messageId: string, end: AnswerEnd): Promise<ChatMessage | null> {
    let finished: FinishedAnswer;
    try {
      finished = await this.messages.finish(messageId, {
        status: end.status,
        model: end.modelId,
        content: end.text,
        usage: end.usage,
        costUsd: end.costUsd,
        errorCode: end.error?.code ?? null,
      });
    } catch (error) {
      this.logger.error(`could not save answer ${messageId}: ${String(error)}`);
      return null;
    }
    switch (finished.kind) {
      case 'saved':
        return finished.message;
      case 'restored':
        this.logger.warn(
          `answer ${messageId} had been marked interrupted (its lease was not renewed in time); saved as ${end.status}`,
        );
        return finished.message;
      case 'gone':
        this.logger.warn(`answer ${messageId} was not saved: it was deleted with its session`);
        return null;
      case 'already-final':
        this.logger.error(`answer ${messageId} was not saved: it had already ended as ${finished.status}`);
        return null;
    }
  }
}
