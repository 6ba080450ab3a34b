import { DynamicModule, Module } from '@nestjs/common';
import { BusModule, busOptionsFrom, HealthModule } from '@conduit/service-kit';
import { buildProviderRegistry } from './catalog/build-provider-registry';
import { ModelCatalog } from './catalog/model-catalog';
import { CHAT_CONFIG } from './chat-config.token';
import type { ChatConfig } from './config';
import { EventStreamsInitializer } from './events/event-streams.initializer';
import { MessageEventsPublisher } from './events/message-events.publisher';
import { CompletionRunner } from './generation/completion-runner';
import { InFlightGenerations } from './generation/in-flight-generations';
import { SessionCompletionService } from './generation/session-completion.service';
import { StatelessCompletionService } from './generation/stateless-completion.service';
import { CompletionsHandler } from './handlers/completions.handler';
import { ModelsHandler } from './handlers/models.handler';
import { SessionsHandler } from './handlers/sessions.handler';
import { PrismaService } from './infra/prisma.service';
import { MessageRepository } from './sessions/message.repository';
import { SessionRepository } from './sessions/session.repository';
import { SessionService } from './sessions/session.service';
import { StaleStreamSweeper } from './sessions/stale-stream.sweeper';

@Module({})
export class AppModule {
  static forRoot(config: ChatConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [BusModule.forRoot(busOptionsFrom(config, 'chat')), HealthModule],
      controllers: [SessionsHandler, CompletionsHandler, ModelsHandler],
      providers: [
        { provide: CHAT_CONFIG, useValue: config },
        { provide: ModelCatalog, useFactory: () => buildProviderRegistry(config.providers).catalog },
        PrismaService,
        SessionRepository,
        MessageRepository,
        SessionService,
        CompletionRunner,
        InFlightGenerations,
        SessionCompletionService,
        StatelessCompletionService,
        MessageEventsPublisher,
        EventStreamsInitializer,
        StaleStreamSweeper,
      ],
    };
  }
}
