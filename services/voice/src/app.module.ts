import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { MeteringModule } from '@conduit/metering';
import { RedisModule } from '@conduit/service-kit';
import type { VoiceConfig } from './config';
import { engineProviders } from './engines/engines.providers';
import { HealthHandler } from './health/health.handler';
import { VoiceMetering } from './metering/voice-metering';
import { ChatReplies } from './replies/chat-replies';
import { VoiceSessionManager } from './sessions/voice-session-manager';
import { VoiceSessionsHandler } from './sessions/voice-sessions.handler';

// Bus, config (@InjectConfig()), health probes, logs and metrics come with startService.
@Module({})
export class AppModule {
  /** @param engines the engine registries, when not those the config builds (tests). */
  static forRoot(config: VoiceConfig, engines: Provider[] = engineProviders(config)): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Budgets fall back to the ledger while Redis is down: it is no reason to stop taking traffic.
        RedisModule.forRoot({ requiredForReadiness: false }),
        MeteringModule.forRoot(),
      ],
      controllers: [HealthHandler, VoiceSessionsHandler],
      providers: [...engines, ChatReplies, VoiceMetering, VoiceSessionManager],
    };
  }
}
