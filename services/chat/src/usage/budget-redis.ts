import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
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

/** A Lua script run by its SHA, loaded again after a Redis restart; keys get the connection's prefix. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String(error).includes('NOSCRIPT')) throw error;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/** Rejects once `ms` pass: a Redis that accepts connections but stops answering must not hold a request up. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
