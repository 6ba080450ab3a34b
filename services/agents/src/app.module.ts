import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DatabaseModule } from '@conduit/service-kit';
import { AgentRepository } from './agents/agent.repository';
import { AgentsHandler } from './agents/agents.handler';
import { AgentsService } from './agents/agents.service';
import type { AgentsConfig } from './config';
import { CryptoModule } from './crypto/crypto.module';
import { HealthHandler } from './health/health.handler';
import { NotificationPublisher } from './notifications/notification-publisher';
import { NotificationRepository } from './notifications/notification.repository';
import { NotificationsHandler } from './notifications/notifications.handler';
import { NotificationsService } from './notifications/notifications.service';
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
import { BuiltInTools } from './tools/built-in-tools';

/** What tests (and the benchmark) may put in place of the real thing: the scheduler's clock and its runs. */
export interface AgentsOverrides {
  clock?: SchedulerClock;
  runStarter?: ScheduledRunStarter;
}

/** Plain SQL on the process's one pool: the schema and migrations are Prisma's, the queries are not. */
@Module({})
export class AppModule {
  static forRoot(_config: AgentsConfig, overrides: AgentsOverrides = {}): DynamicModule {
    const providers: Provider[] = [
      AgentRepository,
      AgentsService,
      { provide: SCHEDULER_CLOCK, useValue: overrides.clock ?? systemClock },
      { provide: SCHEDULED_AGENTS, useClass: AgentDirectory },
      ScheduleRepository,
      SchedulesService,
      ScheduleFireRepository,
      FireRunner,
      ScheduleTicker,
      NotificationRepository,
      NotificationsService,
      NotificationPublisher,
      BuiltInTools,
    ];
    if (overrides.runStarter)
      providers.push({ provide: SCHEDULED_RUN_STARTER, useValue: overrides.runStarter });
    return {
      module: AppModule,
      imports: [DatabaseModule.forRoot(), CryptoModule],
      controllers: [HealthHandler, AgentsHandler, SchedulesHandler, NotificationsHandler],
      providers,
    };
  }
}
