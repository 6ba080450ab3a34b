import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChatContract, handledDefinitionsOf, UsageContract } from '@conduit/contracts';
import { createLogger, startService } from '@conduit/service-kit';
import { AppModule } from './app.module';
import { ChatConfig } from './config';

/** Builds and starts the chat service; shared by main.ts and the integration tests. */
export function startChat(config: ChatConfig): Promise<NestFastifyApplication> {
  return startService({
    name: 'chat',
    module: AppModule.forRoot(config),
    host: config.HOST,
    port: config.PORT,
    logger: createLogger('chat', config.LOG_LEVEL),
    contracts: [...handledDefinitionsOf(ChatContract), ...handledDefinitionsOf(UsageContract)],
    shutdown: { graceMs: config.SHUTDOWN_GRACE_MS },
  });
}
