import { DynamicModule, Module } from '@nestjs/common';
import { MeteringModule } from '@conduit/metering';
import { DatabaseModule, RedisModule, ServiceMetrics } from '@conduit/service-kit';
import { AgentLinks } from './sessions/agent-links';
import { AgentTurns } from './generation/agent-turns';
import { buildProviderRegistry } from './catalog/build-provider-registry';
import { ModelCatalog } from './catalog/model-catalog';
import { ModelsHandler } from './catalog/models.handler';
import type { ChatConfig } from './config';
import { PrismaClient } from './generated/prisma/client';
import { EventStreamsInitializer } from './events/event-streams.initializer';
import { MessageEventsPublisher } from './events/message-events.publisher';
import { AnswerRecorder } from './generation/answer-recorder';
import { AnswerLeaseKeeper } from './generation/answer-lease-keeper';
import { CompletionMetering } from './generation/completion-metering';
import { CompletionRunner } from './generation/completion-runner';
import { ContextWindowFitter } from './generation/context-window';
import { CompletionsHandler } from './generation/completions.handler';
import { InFlightGenerations } from './generation/in-flight-generations';
import { SessionCompletionService } from './generation/session-completion.service';
import { MemoryRecaller } from './memory/memory-recaller';
import { StatelessCompletionService } from './generation/stateless-completion.service';
import { AttemptRepository } from './generation/routing/attempt.repository';
import { DeploymentHealth } from './generation/routing/deployment-health';
import { MODEL_POLICIES, ModelRouter } from './generation/routing/model-router';
import { ProviderTelemetry } from './providers/instrumented.provider';
import { AnswerLeaseRepository } from './sessions/answer-lease.repository';
import { TurnStore } from './sessions/turn.store';
import { MessageRepository } from './sessions/message.repository';
import { SessionRepository } from './sessions/session.repository';
import { SessionService } from './sessions/session.service';
import { SessionsHandler } from './sessions/sessions.handler';
import { SessionTitler } from './sessions/session-titler';
import { StaleStreamSweeper } from './sessions/stale-stream.sweeper';

@Module({})
export class AppModule {
  static forRoot(config: ChatConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot({ client: PrismaClient }),
        // Budgets fall back to the ledger while Redis is down: it is no reason to stop taking traffic.
        RedisModule.forRoot({ requiredForReadiness: false }),
        MeteringModule.forRoot(),
      ],
      controllers: [SessionsHandler, CompletionsHandler, ModelsHandler],
      providers: [
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
        TurnStore,
        SessionRepository,
        MessageRepository,
        SessionService,
        CompletionRunner,
        InFlightGenerations,
        CompletionMetering,
        ContextWindowFitter,
        SessionCompletionService,
        MemoryRecaller,
        StatelessCompletionService,
        MessageEventsPublisher,
        EventStreamsInitializer,
        AnswerLeaseRepository,
        AnswerLeaseKeeper,
        StaleStreamSweeper,
        SessionTitler,
        AgentLinks,
        AgentTurns,
        AnswerRecorder,
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
