import { DynamicModule, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { Bus } from '@conduit/bus';
import { UsageContract } from '@conduit/contracts';
import { REDIS, SERVICE_CONFIG, SERVICE_NAME } from '@conduit/service-kit';
import { BudgetCache } from './budget-cache';
import { listenForBudgetChanges } from './budget-changes';
import { Metering } from './metering';
import type { MeteringConfig } from './metering-config';

/**
 * Provides {@link Metering} to a service whose config includes MeteringConfigSchema: the user budget
 * cache kept in step by usage.budget.changed, the process's Redis connection (RedisModule) for counters
 * and holds, and the durable stream usage records go to. The service's name is the ledger's `service`.
 */
@Module({})
export class MeteringModule {
  static forRoot(): DynamicModule {
    return {
      module: MeteringModule,
      providers: [
        {
          provide: Metering,
          useFactory: async (bus: Bus, redis: Redis, config: MeteringConfig, service: string) => {
            const cache = new BudgetCache(
              async (userId) => (await bus.request(UsageContract.budgetLimits, {}, { userId })).data,
              {
                ttlMs: config.METERING_BUDGET_CACHE_TTL_MS,
                maxUsers: config.METERING_BUDGET_CACHE_MAX_USERS,
              },
            );
            await listenForBudgetChanges(bus, cache);
            await bus.ensureEventStreams([UsageContract.usageRecorded]);
            return new Metering(bus, redis, cache, service, config);
          },
          inject: [Bus, REDIS, SERVICE_CONFIG, SERVICE_NAME],
        },
      ],
      exports: [Metering],
    };
  }
}
