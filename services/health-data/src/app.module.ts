import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule } from '@conduit/service-kit';
import type { HealthDataConfig } from './config';
import { ChartHandler } from './charts/chart.handler';
import { ChartRepository } from './charts/chart.repository';
import { ChartService } from './charts/chart.service';
import { ErasureHandler } from './erasure/erasure.handler';
import { ErasureService } from './erasure/erasure.service';
import { GarminConnectionRepository } from './garmin/garmin-connection.repository';
import { GarminPullClient } from './garmin/garmin-pull.client';
import { GarminHandler } from './garmin/garmin.handler';
import { GarminImporters } from './garmin/garmin.importers';
import { GarminTokenSealing } from './garmin/garmin-token-sealing';
import { HealthHandler } from './health/health.handler';
import { ImportContent } from './imports/import-content';
import { ImportEvents } from './imports/import-events';
import { ImportRunner } from './imports/import-runner';
import { ImportWatchService } from './imports/import-watch.service';
import { ImportWorker } from './imports/import-worker';
import { ImportRepository } from './imports/import.repository';
import { Importers } from './imports/importers';
import { ImportsHandler } from './imports/imports.handler';
import { MetricQueryRepository } from './metrics/metric-query.repository';
import { MetricsHandler } from './metrics/metrics.handler';
import { OverviewHandler } from './overview/overview.handler';
import { OverviewRepository } from './overview/overview.repository';
import { OverviewService } from './overview/overview.service';
import { HealthSampleRepository } from './samples/health-sample.repository';
import { SecretsModule } from './secrets/health-secrets';

/** Plain SQL on the process's one pool: the schema and migrations are Prisma's, the queries are not. */
@Module({})
export class AppModule {
  static forRoot(_config: HealthDataConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [DatabaseModule.forRoot(), SecretsModule],
      controllers: [
        HealthHandler,
        ImportsHandler,
        MetricsHandler,
        GarminHandler,
        OverviewHandler,
        ChartHandler,
        ErasureHandler,
      ],
      providers: [
        HealthSampleRepository,
        ImportRepository,
        ImportContent,
        ImportEvents,
        ImportRunner,
        ImportWorker,
        ImportWatchService,
        Importers,
        GarminConnectionRepository,
        GarminPullClient,
        GarminImporters,
        GarminTokenSealing,
        MetricQueryRepository,
        OverviewRepository,
        OverviewService,
        ChartRepository,
        ChartService,
        ErasureService,
      ],
    };
  }
}
