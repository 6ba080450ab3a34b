import { DynamicModule, Module } from '@nestjs/common';
import type { VoiceConfig } from './config';
import { engineProviders } from './engines/engines.providers';
import { HealthHandler } from './health/health.handler';

// Bus, config (@InjectConfig()), health probes, logs and metrics come with startService.
@Module({})
export class AppModule {
  static forRoot(config: VoiceConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthHandler],
      providers: [...engineProviders(config)],
    };
  }
}
