import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { ChatContract, MessageCreatedEvent, type EventDef, type PayloadOf } from '@conduit/contracts';
import type { ChatMessage } from '../generated/prisma/client';

const ATTEMPTS = 3;

/**
 * Announces on JetStream what happened to sessions and messages (`chat.message.created`,
 * `chat.session.deleted`) for memory, search and analytics.
 */
@Injectable()
export class MessageEventsPublisher {
  private readonly logger = new Logger(MessageEventsPublisher.name);

  constructor(private readonly bus: Bus) {}

  messageCreated(message: ChatMessage): Promise<void> {
    return this.publish({
      messageId: message.id,
      sessionId: message.sessionId,
      parentId: message.parentId,
      userId: message.userId,
      role: message.role,
      content: message.content,
      status: message.status,
      model: message.model,
      createdAt: message.createdAt.toISOString(),
    });
  }

  /** Never throws: a failed announcement is logged, the message itself is already saved. */
  publish(event: MessageCreatedEvent): Promise<void> {
    return this.announce(ChatContract.messageCreated, event, event.messageId);
  }

  sessionDeleted(userId: string, sessionId: string): Promise<void> {
    return this.announce(
      ChatContract.sessionDeleted,
      { sessionId, userId, deletedAt: new Date().toISOString() },
      sessionId,
    );
  }

  private async announce<D extends EventDef>(
    def: D,
    event: PayloadOf<D> & { userId: string },
    about: string,
  ): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        await this.bus.publish(def, event, { userId: event.userId });
        return;
      } catch (error) {
        if (attempt === ATTEMPTS) {
          this.logger.error(`could not publish ${def.subject} for ${about}: ${String(error)}`);
        } else {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    }
  }
}
