import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { ChatContract, MessageCreatedEvent } from '@conduit/contracts';
import type { ChatMessage } from '../generated/prisma/client';

const ATTEMPTS = 3;

/** Announces stored messages on JetStream (`chat.message.created`) for memory, search and analytics. */
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
  async publish(event: MessageCreatedEvent): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        await this.bus.publish(ChatContract.messageCreated, event, { userId: event.userId });
        return;
      } catch (error) {
        if (attempt === ATTEMPTS) {
          this.logger.error(
            `could not publish chat.message.created for ${event.messageId}: ${String(error)}`,
          );
        } else {
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    }
  }
}
