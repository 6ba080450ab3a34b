import { Module } from '@nestjs/common';
import { StreamingModule } from '../streaming/streaming.module';
import { GarminWebhookController } from './garmin-webhook.controller';
import { HealthDataController } from './health-data.controller';
import { HealthInsightsController } from './health-insights.controller';
import { HealthIntake } from './health-intake';
import { HealthUploadsController } from './health-uploads.controller';

/**
 * Health data: uploads and webhooks into the durable import stream; imports, series, insights and
 * Garmin links relayed to the health-data service.
 */
@Module({
  imports: [StreamingModule],
  controllers: [
    HealthUploadsController,
    GarminWebhookController,
    HealthDataController,
    HealthInsightsController,
  ],
  providers: [HealthIntake],
})
export class HealthModule {}
