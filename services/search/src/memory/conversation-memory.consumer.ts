import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Bus, type DurableConsumption } from '@conduit/bus';
import {
  ChatContract,
  durableEventsOf,
  SEARCH_MEMORY_CONSUMER,
  SEARCH_MEMORY_FORGET_CONSUMER,
  type MessageCreatedEvent,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { SearchConfig } from '../config';
import { DocumentQueue } from '../documents/document-queue';
import { MemoryRepository } from './memory.repository';
import { MemoryService } from './memory.service';
import { isMemorable, rememberedMessageOf } from './remembered-message';

/**
 * Remembers what users say in chat: reads `chat.message.created` through a durable consumer every
 * replica shares (messages sent while search is down wait in JetStream), stores each complete user or
 * assistant message as a document of the memory collection and queues it for indexing like any other.
 * A message delivered twice is stored and queued once. When a chat session is deleted
 * (`chat.session.deleted`, through a second durable consumer), what was remembered of it is forgotten,
 * and a message of it delivered later (the two consumers keep no order between them) is not remembered.
 */
@Injectable()
export class ConversationMemoryConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConversationMemoryConsumer.name);
  private readonly consumptions: DurableConsumption[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly memory: MemoryRepository,
    private readonly queue: DocumentQueue,
    private readonly forgetting: MemoryService,
    @InjectConfig() private readonly config: SearchConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SEARCH_MEMORY_ENABLED) return;
    // Search may start before chat ever has: the stream is made here too, as chat makes it.
    await this.bus.ensureEventStreams(durableEventsOf(ChatContract));
    const { SEARCH_INDEX_RETRY_BASE_MS: base, SEARCH_INDEX_RETRY_MAX_MS: max } = this.config;
    const options = {
      retryDelayMs: (attempt: number) => Math.min(max, base * 2 ** Math.min(attempt - 1, 20)),
    };
    this.consumptions.push(
      await this.bus.consumeDurableEvent(
        ChatContract.messageCreated,
        SEARCH_MEMORY_CONSUMER,
        (event) => this.remember(event),
        options,
      ),
      await this.bus.consumeDurableEvent(
        ChatContract.sessionDeleted,
        SEARCH_MEMORY_FORGET_CONSUMER,
        async ({ userId, sessionId }) => {
          await this.forgetting.forgetDeletedSession(userId, sessionId);
        },
        options,
      ),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumptions.map((consumption) => consumption.stop()));
  }

  private async remember(event: MessageCreatedEvent): Promise<void> {
    if (!isMemorable(event)) return;
    const message = rememberedMessageOf(event);
    const outcome = await this.memory.remember(event.userId, event.sessionId, message);
    if (outcome === 'forgotten') {
      this.logger.debug?.(`message ${event.messageId} came after its session was deleted: not remembered`);
      return;
    }
    if (outcome === 'duplicate') this.logger.debug?.(`message ${event.messageId} was remembered before`);
    // Queued again on a redelivery too: the first try may have stopped between storing and queueing
    // (the queue keeps one message per document revision).
    await this.queue.enqueue({ userId: event.userId, apiKeyId: null }, [{ id: message.id, revision: 1 }]);
  }
}
