import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS, withTimeout } from '@conduit/service-kit';

type RevocationListener = (apiKeyId: string) => void;

const SUBSCRIBE_TIMEOUT_MS = 2_000;

/**
 * Tells every gateway replica that an API key was revoked, over Redis pub/sub, so each can end what
 * the key still holds open (its WebSockets). Requests need no telling: the shared cache refuses the
 * key everywhere at once (see `ApiKeyCache`).
 */
@Injectable()
export class ApiKeyRevocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyRevocations.name);
  private readonly listeners = new Set<RevocationListener>();
  /** Pub/sub channels are not keys, so the deployment's key prefix is added by hand. */
  private readonly channel: string;
  private subscriber: Redis | null = null;

  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.channel = `${redis.options.keyPrefix ?? ''}api-key:revoked`;
  }

  /** Subscribed before the gateway takes traffic, so no revocation after that is missed. */
  async onModuleInit(): Promise<void> {
    // A connection in subscriber mode can do nothing else; it queues while Redis is away and
    // resubscribes when it is back.
    const subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, apiKeyId: string) => {
      if (channel === this.channel) for (const listener of this.listeners) listener(apiKeyId);
    });
    subscriber.on('error', (error: Error) => this.logger.warn(`revocation subscriber: ${error.message}`));
    try {
      await withTimeout(
        subscriber.subscribe(this.channel),
        SUBSCRIBE_TIMEOUT_MS,
        'subscribing to revocations',
      );
    } catch (error) {
      // Redis is away: start anyway, like everything else here that uses it; the subscription is
      // made once it is back.
      this.logger.warn(`not yet subscribed to API key revocations: ${String(error)}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  onRevoked(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async announce(apiKeyId: string): Promise<void> {
    try {
      await this.redis.publish(this.channel, apiKeyId);
    } catch (error) {
      // The key is refused everywhere already; only connections it opened elsewhere stay, until they end.
      this.logger.warn(`could not announce an API key revocation: ${String(error)}`);
    }
  }
}
