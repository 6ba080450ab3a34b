import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { ChatConfig } from '../config';
import { CHAT_CONFIG } from '../chat-config.token';

/**
 * Chat's Redis connection, used for budget counters and reservations only. Commands fail fast while
 * Redis is down (no offline queue) so a budget check falls back to the ledger instead of waiting.
 */
@Injectable()
export class BudgetRedis implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(@Inject(CHAT_CONFIG) config: ChatConfig) {
    this.client = new Redis(config.REDIS_URL, {
      keyPrefix: config.REDIS_KEY_PREFIX,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
    });
    // Errors reach the callers of each command; without a listener ioredis would log every reconnect.
    this.client.on('error', () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
