import type { Provider } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { handledDefinitionsOf, VoiceCallsContract, VoiceContract } from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { VoiceConfig } from './config';

/**
 * Builds and starts the voice service; shared by main.ts and the integration tests, which may hand
 * it engine registries of their own (`engines`).
 */
export function startVoice(config: VoiceConfig, engines?: Provider[]): Promise<NestFastifyApplication> {
  return startService({
    service: 'voice',
    config,
    module: AppModule.forRoot(config, engines),
    contracts: [...handledDefinitionsOf(VoiceContract), ...handledDefinitionsOf(VoiceCallsContract)],
  });
}
