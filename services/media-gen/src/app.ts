import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  MEDIA_GEN_BATCH_WORKER_CONSUMER,
  MEDIA_GEN_WORKER_CONSUMER,
  MediaBatchContract,
  MediaGenContract,
  MediaStorageContract,
  handledDefinitionsOf,
} from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { MediaGenConfig } from './config';

/** Builds and starts the media-gen service; shared by main.ts and the integration tests. */
export function startMediaGen(config: MediaGenConfig): Promise<NestFastifyApplication> {
  return startService({
    service: 'media-gen',
    config,
    module: AppModule.forRoot(config),
    // Requests only: accepted jobs and batches come through the workers' durable consumers, progress and cancels
    // through the subscriptions of every replica.
    contracts: [
      ...handledDefinitionsOf(MediaGenContract),
      ...handledDefinitionsOf(MediaBatchContract),
      ...handledDefinitionsOf(MediaStorageContract),
    ].filter((def) => def.kind === 'request'),
    jetstreamConsumers: [
      { stream: MediaGenContract.jobAccepted.durable!.stream, consumer: MEDIA_GEN_WORKER_CONSUMER },
      {
        stream: MediaBatchContract.batchAccepted.durable!.stream,
        consumer: MEDIA_GEN_BATCH_WORKER_CONSUMER,
      },
    ],
  });
}
