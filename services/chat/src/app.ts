import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChatContract, handledDefinitionsOf } from '@conduit/contracts';
import { startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { ChatConfig } from './config';

/** Builds and starts the chat service; shared by main.ts and the integration tests. */
export function startChat(config: ChatConfig): Promise<NestFastifyApplication> {
  return startService({
    service: 'chat',
    config,
    module: AppModule.forRoot(config),
    contracts: handledDefinitionsOf(ChatContract),
  });
}
