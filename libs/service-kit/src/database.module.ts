import { DynamicModule, Global, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { createPgPool, createPrismaAdapter } from '@conduit/db';
import type { DatabaseConfig } from './config';
import { ReadinessRegistry } from './health.module';
import { SERVICE_CONFIG, SERVICE_NAME } from './service-config';

/** The process's one `pg` pool: Prisma's adapter runs on it, and raw SQL takes it too (`@Inject(PG_POOL)`). */
export const PG_POOL = Symbol('PG_POOL');

/** A generated Prisma client class (`services/<name>/src/generated/prisma/client`). */
export type PrismaClientClass<T extends PrismaClientLike = PrismaClientLike> = new (options: {
  adapter: PrismaPg;
}) => T;
export interface PrismaClientLike {
  $disconnect(): Promise<void>;
}

export interface DatabaseModuleOptions {
  /** The service's generated Prisma client; it becomes injectable by its class. Omit for raw SQL only. */
  client?: PrismaClientClass;
}

/** The schema a service's tables live in: DATABASE_SCHEMA, else the service's name. */
function schemaOf(config: DatabaseConfig, service: string): string {
  return config.DATABASE_SCHEMA ?? service;
}

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly pool: Pool,
    private readonly client: PrismaClientLike | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client?.$disconnect().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * One Postgres connection pool per process (DATABASE_URL, DATABASE_SCHEMA, DATABASE_POOL_SIZE from the
 * service config), shared by the service's Prisma client and its raw SQL; readiness fails while
 * Postgres does not answer.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    const { client } = options;
    const providers: Provider[] = [
      {
        provide: PG_POOL,
        useFactory: (config: DatabaseConfig, service: string, readiness: ReadinessRegistry) => {
          const pool = createPgPool({
            databaseUrl: config.DATABASE_URL,
            schema: schemaOf(config, service),
            poolSize: config.DATABASE_POOL_SIZE,
          });
          // An idle connection the server drops emits 'error'; the next query reports it to its caller.
          const logger = new Logger('Database');
          pool.on('error', (error) => logger.warn(`idle connection lost: ${error.message}`));
          readiness.register('postgres', async () => {
            await pool.query('SELECT 1');
          });
          return pool;
        },
        inject: [SERVICE_CONFIG, SERVICE_NAME, ReadinessRegistry],
      },
    ];
    if (client) {
      providers.push({
        provide: client,
        useFactory: (pool: Pool, config: DatabaseConfig, service: string) =>
          new client({ adapter: createPrismaAdapter({ pool, schema: schemaOf(config, service) }) }),
        inject: [PG_POOL, SERVICE_CONFIG, SERVICE_NAME],
      });
    }
    providers.push({
      provide: DatabaseLifecycle,
      useFactory: (pool: Pool, prisma?: PrismaClientLike) => new DatabaseLifecycle(pool, prisma ?? null),
      inject: [PG_POOL, ...(client ? [client] : [])],
    });
    return {
      module: DatabaseModule,
      providers,
      exports: [PG_POOL, ...(client ? [client] : [])],
    };
  }
}
