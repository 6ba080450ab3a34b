import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { MeteringModule } from '@conduit/metering';
import { RedisModule } from '@conduit/service-kit';
import { audioCodecProvider } from './audio/audio-codec.provider';
import type { VoiceConfig } from './config';
import { engineProviders } from './engines/engines.providers';
import { HealthHandler } from './health/health.handler';
import { VoiceMessageHandler } from './messages/voice-message.handler';
import { VoiceMessageService } from './messages/voice-message.service';
import { CallPlacer } from './phone/call-placer';
import { PlaceCallHandler } from './phone/place-call.handler';
import { VoiceMetering } from './metering/voice-metering';
import { ChatReplies } from './replies/chat-replies';
import { VoiceSessionManager } from './sessions/voice-session-manager';
import { VoiceSessionsHandler } from './sessions/voice-sessions.handler';
import { SpeechHandler } from './speech/speech.handler';
import { SpeechService } from './speech/speech.service';
import { AgentTools } from './tools/agent-tools';
import { TranscriptionHandler } from './transcriptions/transcription.handler';
import { TranscriptionService } from './transcriptions/transcription.service';
import { VoiceAudioStore } from './transfer/voice-audio-store';

// Bus, config (@InjectConfig()), health probes, logs and metrics come with startService.
@Module({})
export class AppModule {
  /** @param engines engine registries that replace those the config builds (tests), by their token. */
  static forRoot(config: VoiceConfig, engines: Provider[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Budgets fall back to the ledger while Redis is down: it is no reason to stop taking traffic.
        RedisModule.forRoot({ requiredForReadiness: false }),
        MeteringModule.forRoot(),
      ],
      controllers: [
        HealthHandler,
        VoiceSessionsHandler,
        TranscriptionHandler,
        SpeechHandler,
        VoiceMessageHandler,
        PlaceCallHandler,
      ],
      providers: [
        // Nest keeps the last provider of a token: the given ones replace the config's.
        ...engineProviders(config),
        ...engines,
        ChatReplies,
        AgentTools,
        VoiceMetering,
        VoiceSessionManager,
        audioCodecProvider(config),
        VoiceAudioStore,
        TranscriptionService,
        SpeechService,
        VoiceMessageService,
        CallPlacer,
      ],
    };
  }
}
