import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createPrismaAdapter } from '@conduit/db';
import { ReadinessRegistry } from '@conduit/service-kit';
import type { ChatConfig } from '../config';
import { CHAT_CONFIG } from '../chat-config.token';
import { PrismaClient } from '../generated/prisma/client';

/** The chat service's database client, bound to its own schema. */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(@Inject(CHAT_CONFIG) config: ChatConfig, readiness: ReadinessRegistry) {
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
