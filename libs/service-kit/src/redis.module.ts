import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { RedisConfig } from './config';
import { ReadinessRegistry } from './health.module';
import { SERVICE_CONFIG } from './service-config';

/** The process's one Redis connection (`@Inject(REDIS)`); keys carry REDIS_KEY_PREFIX. */
export const REDIS = Symbol('REDIS');

export interface RedisModuleOptions {
  /**
   * Whether /readyz fails while Redis does not answer (default true). False for a service that only
   * uses Redis as an accelerator and has a fallback.
   */
  requiredForReadiness?: boolean;
}

class RedisLifecycle implements OnApplicationShutdown {
  constructor(private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One shared Redis connection; commands fail fast while Redis is down instead of queueing forever. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions = {}): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS,
          useFactory: (config: RedisConfig, readiness: ReadinessRegistry) => {
            const redis = new Redis(config.REDIS_URL, {
              keyPrefix: config.REDIS_KEY_PREFIX,
              maxRetriesPerRequest: 1,
              enableOfflineQueue: false,
              connectTimeout: 2_000,
            });
            // Errors reach the caller of each command; without a listener ioredis logs every reconnect.
            redis.on('error', () => undefined);
            if (options.requiredForReadiness ?? true) {
              readiness.register('redis', async () => {
                if ((await redis.ping()) !== 'PONG') throw new Error('unexpected ping answer');
              });
            }
            return redis;
          },
          inject: [SERVICE_CONFIG, ReadinessRegistry],
        },
        { provide: RedisLifecycle, useFactory: (redis: Redis) => new RedisLifecycle(redis), inject: [REDIS] },
      ],
      exports: [REDIS],
    };
  }
}
