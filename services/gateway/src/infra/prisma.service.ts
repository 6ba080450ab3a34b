import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createPrismaAdapter } from '@conduit/db';
import { ReadinessRegistry } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG } from '../gateway-config.token';
import { PrismaClient } from '../generated/prisma/client';

/** The gateway's Prisma client, bound to its own Postgres schema; readiness fails while Postgres does not answer. */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, readiness: ReadinessRegistry) {
    super({
      adapter: createPrismaAdapter({
        databaseUrl: config.DATABASE_URL,
        schema: config.DATABASE_SCHEMA,
        poolSize: config.DATABASE_POOL_SIZE,
      }),
    });
    readiness.register('postgres', async () => {
      await this.$queryRaw`SELECT 1`;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
