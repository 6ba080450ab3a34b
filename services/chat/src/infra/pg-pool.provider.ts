import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { createPgPool } from '@conduit/db';
import type { ChatConfig } from '../config';
import { CHAT_CONFIG } from '../chat-config.token';

/** The raw connection pool behind the queries every completion runs: before its first token, and as it ends. */
@Injectable()
export class HotPathPool implements OnApplicationShutdown {
  readonly pool: Pool;

  constructor(@Inject(CHAT_CONFIG) config: ChatConfig) {
    this.pool = createPgPool({
      databaseUrl: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      poolSize: config.DATABASE_POOL_SIZE,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
