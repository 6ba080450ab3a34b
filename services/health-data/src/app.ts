import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { HEALTH_IMPORT_CONSUMER, handledDefinitionsOf, HealthDataContract } from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { HealthDataConfig } from './config';

/** Builds and starts the health-data service; shared by main.ts and the integration tests. */
export function startHealthData(config: HealthDataConfig): Promise<NestFastifyApplication> {
  return startService({
    service: 'health-data',
    config,
    module: AppModule.forRoot(config),
    // Requests only: imports come through the importer's durable consumer, progress through the
    // subscription of every replica.
    contracts: handledDefinitionsOf(HealthDataContract).filter((def) => def.kind === 'request'),
    jetstreamConsumers: [
      { stream: HealthDataContract.importAccepted.durable!.stream, consumer: HEALTH_IMPORT_CONSUMER },
    ],
  });
}
