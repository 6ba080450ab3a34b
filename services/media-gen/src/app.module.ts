import { DynamicModule, Module } from '@nestjs/common';
import { MeteringModule } from '@conduit/metering';
import { DatabaseModule, RedisModule } from '@conduit/service-kit';
import { BatchFileRepository } from './batches/batch-file.repository';
import { BatchFilesService } from './batches/batch-files.service';
import { BatchMetering } from './batches/batch-metering';
import { BatchOutputFiles } from './batches/batch-output-files';
import { BatchProviderApis } from './batches/batch-provider-apis';
import { BatchQueue } from './batches/batch-queue';
import { BatchRunner } from './batches/batch-runner';
import { BatchValidator } from './batches/batch-validator';
import { BatchWorker } from './batches/batch-worker';
import { BatchRepository } from './batches/batch.repository';
import { BatchesHandler } from './batches/batches.handler';
import { BatchesService } from './batches/batches.service';
import { ChatLineRunner } from './batches/chat-line-runner';
import { ProviderBatchRunner } from './batches/provider-batch-runner';
import { ProviderBatchRepository } from './batches/provider-batch.repository';
import { RunningBatches } from './batches/running-batches';
import type { MediaGenConfig } from './config';
import { FileReaderService } from './files/file-reader.service';
import { FilesHandler } from './files/files.handler';
import { ResultUrls } from './jobs/result-urls';
import { HealthHandler } from './health/health.handler';
import { JobDeletion } from './jobs/job-deletion.service';
import { JobEvents } from './jobs/job-events';
import { JobMetering } from './jobs/job-metering';
import { JobQueue } from './jobs/job-queue';
import { JobRunner } from './jobs/job-runner';
import { JobWorker } from './jobs/job-worker';
import { JobRepository } from './jobs/job.repository';
import { JobsHandler } from './jobs/jobs.handler';
import { JobsService } from './jobs/jobs.service';
import { RunningJobs } from './jobs/running-jobs';
import { InputImages } from './jobs/input-images';
import { MediaProducer } from './jobs/media-producer';
import { ImageGenerators } from './providers/image-generators';
import { ImageModelsHandler } from './providers/image-models.handler';
import { VideoGenerators } from './providers/video-generators';
import { storageProviders } from './storage/storage.providers';
import { StoredFileRepository } from './stored-files/stored-file.repository';
import { StoredFilesHandler } from './stored-files/stored-files.handler';
import { StoredFilesService } from './stored-files/stored-files.service';
import { JobWatchHandler } from './watch/job-watch.handler';
import { JobWatchService } from './watch/job-watch.service';

/** Plain SQL on the process's one pool: the schema and migrations are Prisma's, the queries are not. */
@Module({})
export class AppModule {
  static forRoot(config: MediaGenConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(),
        // Budgets fall back to the ledger while Redis is down: it is no reason to stop taking traffic.
        RedisModule.forRoot({ requiredForReadiness: false }),
        MeteringModule.forRoot(),
      ],
      controllers: [
        HealthHandler,
        JobsHandler,
        ImageModelsHandler,
        JobWatchHandler,
        FilesHandler,
        BatchesHandler,
        StoredFilesHandler,
      ],
      providers: [
        ...storageProviders(config),
        { provide: ImageGenerators, useValue: new ImageGenerators(config) },
        { provide: VideoGenerators, useFactory: () => VideoGenerators.create(config) },
        InputImages,
        MediaProducer,
        ResultUrls,
        JobRepository,
        JobQueue,
        JobEvents,
        JobsService,
        JobDeletion,
        JobMetering,
        RunningJobs,
        JobRunner,
        JobWorker,
        JobWatchService,
        FileReaderService,
        BatchFileRepository,
        BatchRepository,
        BatchQueue,
        BatchFilesService,
        BatchesService,
        BatchValidator,
        ChatLineRunner,
        { provide: BatchProviderApis, useValue: new BatchProviderApis(config) },
        ProviderBatchRepository,
        BatchMetering,
        ProviderBatchRunner,
        BatchOutputFiles,
        RunningBatches,
        BatchRunner,
        BatchWorker,
        StoredFileRepository,
        StoredFilesService,
      ],
    };
  }
}
