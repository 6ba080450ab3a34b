import { Global, Inject, Module, OnApplicationShutdown, DynamicModule } from '@nestjs/common';
import Redis from 'ioredis';
import { ReadinessRegistry } from '@conduit/service-kit';

export const REDIS = Symbol('redis');

class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    readiness: ReadinessRegistry,
  ) {
    readiness.register('redis', async () => {
      if ((await this.redis.ping()) !== 'PONG') throw new Error('unexpected ping answer');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** One shared Redis connection; commands fail fast while Redis is down instead of queueing forever. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(options: { url: string; keyPrefix: string }): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        {
          provide: REDIS,
          useFactory: () =>
            new Redis(options.url, {
              keyPrefix: options.keyPrefix,
              maxRetriesPerRequest: 1,
              enableOfflineQueue: false,
              connectTimeout: 2_000,
              lazyConnect: false,
            }),
        },
        RedisLifecycle,
      ],
      exports: [REDIS],
    };
  }
}
