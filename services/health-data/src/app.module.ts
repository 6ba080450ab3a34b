import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '@conduit/service-kit';
import type { HealthDataConfig } from './config';
import { HealthHandler } from './health/health.handler';
import { HealthSampleRepository } from './samples/health-sample.repository';

/** Plain SQL on the process's one pool: the schema and migrations are Prisma's, the queries are not. */
@Module({})
export class AppModule {
  static forRoot(_config: HealthDataConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [DatabaseModule.forRoot()],
      controllers: [HealthHandler],
      providers: [HealthSampleRepository],
    };
  }
}
