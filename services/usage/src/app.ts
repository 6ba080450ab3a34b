import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { USAGE_LEDGER_CONSUMER, UsageContract, handledDefinitionsOf } from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { UsageConfig } from './config';

/** Builds and starts the usage service; shared by main.ts and the integration tests. */
export function startUsage(config: UsageConfig): Promise<NestFastifyApplication> {
  return startService({
    service: 'usage',
    config,
    module: AppModule,
    // Requests only: budget changes are the usage service's own announcements, and usage records come
    // through the ledger's durable consumer.
    contracts: handledDefinitionsOf(UsageContract).filter((def) => def.kind === 'request'),
    jetstreamConsumers: [
      { stream: UsageContract.usageRecorded.durable!.stream, consumer: USAGE_LEDGER_CONSUMER },
    ],
  });
}
