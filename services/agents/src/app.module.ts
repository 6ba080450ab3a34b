import { DynamicModule, Module, Provider } from '@nestjs/common';
import { MeteringModule } from '@conduit/metering';
import { DatabaseModule, RedisModule } from '@conduit/service-kit';
import { AgentRepository } from './agents/agent.repository';
import { AgentsHandler } from './agents/agents.handler';
import { AgentsService } from './agents/agents.service';
import type { AgentsConfig } from './config';
import { ConnectorTools } from './connectors/connector-tools';
import { ConnectorsModule } from './connectors/connectors.module';
import { CryptoModule } from './crypto/agents-secrets';
import { HealthHandler } from './health/health.handler';
import { AgentModels } from './models/agent-models';
import { McpServerRepository } from './mcp/mcp-server.repository';
import { McpServersHandler } from './mcp/mcp-servers.handler';
import { McpServersService } from './mcp/mcp-servers.service';
import { McpToolCatalog } from './mcp/mcp-tool-catalog';
import { McpStdioServers } from './mcp/mcp-stdio-servers';
import { McpTools } from './mcp/mcp-tools';
import { NotificationPublisher } from './notifications/notification-publisher';
import { NotificationRepository } from './notifications/notification.repository';
import { NotificationRetention } from './notifications/notification-retention';
import { NotificationsHandler } from './notifications/notifications.handler';
import { NotificationsService } from './notifications/notifications.service';
import { AbandonedRunsSweeper } from './runs/abandoned-runs.sweeper';
import { AgentRuns } from './runs/agent-runs.service';
import { InFlightRuns } from './runs/in-flight-runs';
import { RunMetering } from './runs/run-metering';
import { RunStreamsInitializer } from './runs/run-streams.initializer';
import { RunRepository } from './runs/run.repository';
import { RunsHandler } from './runs/runs.handler';
import { ScheduledRuns } from './runs/scheduled-runs';
import { AgentDirectory } from './schedules/agent-directory';
import { FireRunner } from './schedules/fire-runner';
import {
  SCHEDULED_AGENTS,
  SCHEDULED_RUN_STARTER,
  type ScheduledRunStarter,
} from './schedules/scheduled-run.port';
import { SCHEDULER_CLOCK, systemClock, type SchedulerClock } from './schedules/scheduler-clock';
import { ScheduleFireRepository } from './schedules/schedule-fire.repository';
import { ScheduleTicker } from './schedules/schedule-ticker';
import { ScheduleRepository } from './schedules/schedule.repository';
import { SchedulesHandler } from './schedules/schedules.handler';
import { SchedulesService } from './schedules/schedules.service';
import { AgentToolCalls } from './tool-calls/agent-tool-calls.service';
import { AgentToolCallsHandler } from './tool-calls/agent-tool-calls.handler';
import { BuiltInTools } from './tools/built-in-tools';
import { BuiltinToolSource } from './tools/builtin-tool.source';
import { ToolRegistry } from './tools/tool-registry';

const CONNECTOR_TOOLS_REGISTERED = Symbol('connector tools registered');

/** What tests (and the benchmark) may put in place of the real thing: the scheduler's clock and its runs. */
export interface AgentsOverrides {
  clock?: SchedulerClock;
  runStarter?: ScheduledRunStarter;
}

/** Plain SQL on the process's one pool: the schema and migrations are Prisma's, the queries are not. */
@Module({})
export class AppModule {
  static forRoot(config: AgentsConfig, overrides: AgentsOverrides = {}): DynamicModule {
    const providers: Provider[] = [
      AgentRepository,
      AgentsService,
      { provide: AgentModels, useValue: new AgentModels(config) },
      BuiltinToolSource,
      ToolRegistry,
      RunRepository,
      RunMetering,
      InFlightRuns,
      RunStreamsInitializer,
      AgentRuns,
      AgentToolCalls,
      AbandonedRunsSweeper,
      { provide: SCHEDULER_CLOCK, useValue: overrides.clock ?? systemClock },
      { provide: SCHEDULED_AGENTS, useClass: AgentDirectory },
      // Schedules start real runs unless a test puts its own starter in their place.
      overrides.runStarter
        ? { provide: SCHEDULED_RUN_STARTER, useValue: overrides.runStarter }
        : { provide: SCHEDULED_RUN_STARTER, useClass: ScheduledRuns },
      ScheduleRepository,
      SchedulesService,
      ScheduleFireRepository,
      FireRunner,
      ScheduleTicker,
      NotificationRepository,
      NotificationsService,
      NotificationPublisher,
      NotificationRetention,
      BuiltInTools,
      McpServerRepository,
      McpToolCatalog,
      McpServersService,
      McpStdioServers,
      McpTools,
      // The user's connected accounts are a source of tools too.
      {
        provide: CONNECTOR_TOOLS_REGISTERED,
        inject: [ToolRegistry, ConnectorTools],
        useFactory: (registry: ToolRegistry, connectorTools: ConnectorTools) =>
          registry.register(connectorTools),
      },
    ];
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot(),
        CryptoModule,
        // Budgets fall back to the ledger while Redis is down: it is no reason to stop taking traffic.
        RedisModule.forRoot({ requiredForReadiness: false }),
        MeteringModule.forRoot(),
        ConnectorsModule,
      ],
      controllers: [
        HealthHandler,
        AgentsHandler,
        RunsHandler,
        SchedulesHandler,
        NotificationsHandler,
        McpServersHandler,
        AgentToolCallsHandler,
      ],
      providers,
      exports: [AgentRuns, ToolRegistry, BuiltinToolSource],
    };
  }
}
