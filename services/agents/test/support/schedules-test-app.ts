import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Pool } from 'pg';
import { Bus } from '@conduit/bus';
import { AgentsSchedulesContract, type NotificationCreatedEvent } from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import { PG_POOL } from '@conduit/service-kit';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import { startAgents } from '../../src/app';
import { loadAgentsConfig } from '../../src/config';
import type {
  ScheduledRunOutcome,
  ScheduledRunRequest,
  ScheduledRunStarter,
} from '../../src/schedules/scheduled-run.port';
import type { SchedulerClock } from '../../src/schedules/scheduler-clock';
import { ScheduleTicker } from '../../src/schedules/schedule-ticker';

/** A clock the test moves; every replica of one test reads the same one. */
export class MovableClock implements SchedulerClock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(to: string | Date): void {
    this.current = new Date(to);
  }
}

/** One scheduled run as an instant fake run saw it, and which replica ran it. */
export interface SeenRun {
  replica: number;
  request: ScheduledRunRequest;
}

/** Answers at once: the prompt echoed, or a failure for a prompt that asks for one. */
function instantRuns(replica: number, seen: SeenRun[]): ScheduledRunStarter {
  let count = 0;
  return {
    run: async (request): Promise<ScheduledRunOutcome> => {
      seen.push({ replica, request });
      count += 1;
      const runId = `run-${replica}-${count}`;
      if (request.input.includes('please fail')) return { status: 'failed', runId, error: 'asked to fail' };
      return { status: 'succeeded', runId, output: `answer to: ${request.input}` };
    },
  };
}

export interface SchedulesTestApp {
  clock: MovableClock;
  bus: Bus;
  /** The runs every replica made, in order. */
  runs: SeenRun[];
  /** `agents.notification.created` events heard, in order. */
  events: NotificationCreatedEvent[];
  replicas: NestFastifyApplication[];
  /** Starts one more replica on the same database and namespace. */
  addReplica(): Promise<NestFastifyApplication>;
  /** Closes a replica (as a stopped process would), keeping the data. */
  stopReplica(app: NestFastifyApplication): Promise<void>;
  /** One scheduler pass on every running replica at once (they race for the same due schedules). */
  tickAll(): Promise<void>;
  /** The database, for checks of what was stored. */
  pool(): Pool;
  close(): Promise<void>;
}

/**
 * The agents service in-process, as many replicas as asked, on one namespace and schema, all reading
 * one movable clock, with instant fake runs in place of agent runs; and a bus client on that namespace.
 */
export async function startSchedulesTestApp(
  options: { replicas?: number; env?: Record<string, string> } = {},
): Promise<SchedulesTestApp> {
  const namespace = isolatedNamespace('agents-schedules');
  const infra = testEnv();
  const schema = namespace.schemaFor('agents');
  const { drop } = await migrateServiceSchema('agents', infra.databaseUrl, schema);
  const env = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
    AGENTS_MASTER_KEY: randomBytes(32).toString('base64'),
    AGENTS_SCHEDULER_POLL_MS: '100',
    // The clock jumps by hours between slots: a lease measured on it must outlast every jump.
    AGENTS_SCHEDULE_FIRE_LEASE_MS: String(365 * 24 * 3_600_000),
    ...options.env,
  };
  const clock = new MovableClock(new Date('2026-06-01T09:00:00Z'));
  const runs: SeenRun[] = [];
  const events: NotificationCreatedEvent[] = [];
  const replicas: NestFastifyApplication[] = [];
  const bus = await Bus.connect({
    url: env.NATS_URL,
    name: 'agents-schedules-test-client',
    subjectPrefix: env.NATS_SUBJECT_PREFIX,
  });
  bus.subscribeEvent(AgentsSchedulesContract.notificationCreated, (event) => {
    events.push(event);
  });
  let started = 0;
  const addReplica = async () => {
    started += 1;
    const app = await startAgents(loadAgentsConfig(env), {
      clock,
      runStarter: instantRuns(started, runs),
    });
    replicas.push(app);
    return app;
  };
  const closeAll = async () => {
    for (const app of replicas.splice(0)) await app.close();
  };
  try {
    for (let i = 0; i < (options.replicas ?? 1); i++) await addReplica();
  } catch (error) {
    await closeAll();
    await bus.close();
    await drop();
    throw error;
  }
  return {
    clock,
    bus,
    runs,
    events,
    replicas,
    addReplica,
    stopReplica: async (app) => {
      replicas.splice(replicas.indexOf(app), 1);
      await app.close();
    },
    tickAll: async () => {
      await Promise.all(replicas.map((app) => app.get(ScheduleTicker).tick()));
    },
    pool: () => {
      const app = replicas[0];
      if (!app) throw new Error('no replica is running');
      return app.get<Pool>(PG_POOL);
    },
    close: async () => {
      await closeAll();
      await bus.close();
      await drop();
    },
  };
}
