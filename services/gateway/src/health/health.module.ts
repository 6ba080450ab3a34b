import { Module } from '@nestjs/common';
import { HealthInsightsController } from './health-insights.controller';

/** Health data: relayed to the health-data service. */
@Module({
  controllers: [HealthInsightsController],
})
export class HealthModule {}
