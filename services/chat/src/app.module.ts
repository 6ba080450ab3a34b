import { DynamicModule, Module } from '@nestjs/common';
import { BusModule, busOptionsFrom, HealthModule, ServiceMetrics } from '@conduit/service-kit';
import { buildProviderRegistry } from './catalog/build-provider-registry';
import { ModelCatalog } from './catalog/model-catalog';
import { CHAT_CONFIG } from './chat-config.token';
import type { ChatConfig } from './config';
import { EventStreamsInitializer } from './events/event-streams.initializer';
import { MessageEventsPublisher } from './events/message-events.publisher';
import { AnswerLeaseKeeper } from './generation/answer-lease-keeper';
import { CompletionRunner } from './generation/completion-runner';
import { InFlightGenerations } from './generation/in-flight-generations';
import { SessionCompletionService } from './generation/session-completion.service';
import { StatelessCompletionService } from './generation/stateless-completion.service';
import { AttemptRepository } from './generation/routing/attempt.repository';
import { DeploymentHealth } from './generation/routing/deployment-health';
import { MODEL_POLICIES, ModelRouter } from './generation/routing/model-router';
import { CompletionsHandler } from './handlers/completions.handler';
import { ModelsHandler } from './handlers/models.handler';
import { SessionsHandler } from './handlers/sessions.handler';
import { ProviderTelemetry } from './providers/instrumented.provider';
import { HotPathPool } from './infra/pg-pool.provider';
import { PrismaService } from './infra/prisma.service';
import { AnswerLeaseRepository } from './sessions/answer-lease.repository';
import { TurnStore } from './sessions/turn.store';
import { MessageRepository } from './sessions/message.repository';
import { SessionRepository } from './sessions/session.repository';
import { SessionService } from './sessions/session.service';
import { SessionTitler } from './sessions/session-titler';
import { StaleStreamSweeper } from './sessions/stale-stream.sweeper';
import { usageHandlers, usageProviders } from './usage/usage.providers';

@Module({})
export class AppModule {
  static forRoot(config: ChatConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [BusModule.forRoot(busOptionsFrom(config, 'chat')), HealthModule],
      controllers: [SessionsHandler, CompletionsHandler, ModelsHandler, ...usageHandlers],
      providers: [
        { provide: CHAT_CONFIG, useValue: config },
        {
          provide: ModelCatalog,
          useFactory: (metrics?: ServiceMetrics) => catalogWithPolicies(config, metrics),
          inject: [{ token: ServiceMetrics, optional: true }],
        },
        { provide: MODEL_POLICIES, useValue: config.routing },
        {
          provide: DeploymentHealth,
          useFactory: () =>
            new DeploymentHealth(config.CHAT_COOLDOWN_AFTER_FAILURES, config.CHAT_COOLDOWN_MS),
        },
        ModelRouter,
        AttemptRepository,
        PrismaService,
        HotPathPool,
        TurnStore,
        SessionRepository,
        MessageRepository,
        SessionService,
        CompletionRunner,
        InFlightGenerations,
        SessionCompletionService,
        StatelessCompletionService,
        MessageEventsPublisher,
        EventStreamsInitializer,
        AnswerLeaseRepository,
        AnswerLeaseKeeper,
        StaleStreamSweeper,
        SessionTitler,
        ...usageProviders,
      ],
    };
  }
}

/** The catalog, after checking that every model a routing policy names exists in it. */
function catalogWithPolicies(config: ChatConfig, metrics?: ServiceMetrics): ModelCatalog {
  const telemetry = metrics ? new ProviderTelemetry(metrics) : null;
  const { catalog } = buildProviderRegistry(
    config.providers,
    telemetry ? (p) => telemetry.instrument(p) : undefined,
  );
  const unknown = config.routing.referencedModels().filter((id) => !catalog.find(id));
  if (unknown.length > 0) throw new Error(`CHAT_MODEL_POLICIES names unknown models: ${unknown.join(', ')}`);
  return catalog;
}
