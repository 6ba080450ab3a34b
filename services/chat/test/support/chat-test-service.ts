import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Pool } from 'pg';
import { Bus } from '@conduit/bus';
import { createPgPool, migrateServiceSchema } from '@conduit/db';
import {
  isolatedNamespace,
  startFakeAnthropic,
  startFakeOpenAI,
  startServiceProcess,
  testEnv,
  waitFor,
  type FakeAnthropicServer,
  type FakeOpenAIServer,
  type ServiceProcess,
} from '@conduit/testing';
import { startChat } from '../../src/app';
import { ChatConfig, loadChatConfig } from '../../src/config';
import { PrismaClient } from '../../src/generated/prisma/client';

export interface ChatTestService {
  app: NestFastifyApplication;
  config: ChatConfig;
  /** A client on the same subject prefix, acting as the gateway would. */
  bus: Bus;
  prisma: PrismaClient;
  openai: FakeOpenAIServer;
  anthropic: FakeAnthropicServer;
  /** The usage service (built, as its own process) that keeps the ledger and budgets chat meters against. */
  usage: ServiceProcess;
  /** The usage service's schema, for reading its ledger. */
  usageDb: Pool;
  /** Another replica of the same deployment (schema, subjects, Redis keys, providers); `env` overrides. */
  startReplica(env?: Record<string, string>): Promise<NestFastifyApplication>;
  close(): Promise<void>;
}

export const FAKE_KEY = 'sk-test-key';

/**
 * The chat service in-process, on its own schema and subject prefix, with fake providers behind real
 * SDKs, and the usage service beside it. Variables named `USAGE_*` in `env` go to the usage service;
 * `usageUser` is its NATS user on a server that has users.
 */
export async function startTestChat(
  env: Record<string, string> = {},
  /** The NATS user the test client connects as, on a server that has users. */
  client: { user: string; password: string } | null = null,
  usageUser: { user: string; password: string } | null = null,
): Promise<ChatTestService> {
  const namespace = isolatedNamespace('chat');
  const infra = testEnv();
  const [openai, anthropic] = await Promise.all([
    startFakeOpenAI({ apiKey: FAKE_KEY, defaultAnswer: 'Hello from the fake model.' }),
    startFakeAnthropic({ apiKey: FAKE_KEY }),
  ]);
  const schema = namespace.schemaFor('chat');
  const { drop } = await migrateServiceSchema('chat', infra.databaseUrl, schema);
  const usageSchema = namespace.schemaFor('usage');
  const usageMigration = await migrateServiceSchema('usage', infra.databaseUrl, usageSchema);
  const deployment = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
    PORT: '0',
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
    OPENAI_API_KEY: FAKE_KEY,
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: FAKE_KEY,
    ANTHROPIC_BASE_URL: anthropic.origin,
    CHAT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
    OFFLINE_TOKEN_DELAY_MS: '0',
    STREAM_HEARTBEAT_MS: '200',
    STREAM_IDLE_TIMEOUT_MS: '2000',
    STREAM_RETENTION_MAX_BYTES: String(4 * 1024 * 1024),
    ...env,
  };
  const usage = await startServiceProcess('usage', {
    NATS_URL: deployment.NATS_URL,
    NATS_SUBJECT_PREFIX: deployment.NATS_SUBJECT_PREFIX,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: usageSchema,
    LOG_LEVEL: process.env.DEBUG ? 'debug' : 'warn',
    // Reads that must see every record published before them may wait this long on a busy machine.
    USAGE_LEDGER_CATCH_UP_MS: '15000',
    ...(usageUser ? { NATS_USER: usageUser.user, NATS_PASSWORD: usageUser.password } : {}),
    ...Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('USAGE_'))),
  });
  const usageDb = createPgPool({ databaseUrl: infra.databaseUrl, schema: usageSchema, poolSize: 2 });
  const config = loadChatConfig(deployment);
  const app = await startChat(config);
  const replicas: NestFastifyApplication[] = [];
  const bus = await Bus.connect({
    url: deployment.NATS_URL,
    name: 'chat-test-client',
    subjectPrefix: deployment.NATS_SUBJECT_PREFIX,
    ...client,
    streamIdleTimeoutMs: 3_000,
  });
  return {
    app,
    config,
    bus,
    prisma: app.get(PrismaClient),
    openai,
    anthropic,
    usage,
    usageDb,
    startReplica: async (overrides = {}) => {
      const replica = await startChat(loadChatConfig({ ...deployment, ...overrides }));
      replicas.push(replica);
      return replica;
    },
    close: async () => {
      await bus.close();
      await Promise.all(replicas.map((replica) => replica.close()));
      await app.close();
      await usage.stop(5_000);
      await usageDb.end();
      await Promise.all([openai.close(), anthropic.close()]);
      await drop();
      await usageMigration.drop();
    },
  };
}

/** A ledger row as the tests read it back. */
export interface LedgerRow {
  userId: string;
  apiKeyId: string | null;
  service: string;
  reference: string | null;
  model: string;
  status: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  estimated: boolean;
  costUsd: number;
  createdAt: Date;
}

/**
 * The usage service's ledger row of a completion (keyed by its stream id), once written: chat publishes
 * usage records as a completion ends and the ledger writes them a moment later.
 */
export async function ledgerRow(chat: ChatTestService, streamId: string): Promise<LedgerRow> {
  let row: LedgerRow | undefined;
  await waitFor(async () => {
    const { rows } = await chat.usageDb.query<LedgerRow>(
      `SELECT user_id AS "userId", api_key_id AS "apiKeyId", service, reference, model, status,
              input_tokens AS "inputTokens", output_tokens AS "outputTokens", cached_tokens AS "cachedTokens",
              estimated, cost_usd::float8 AS "costUsd", created_at AS "createdAt"
       FROM usage_records WHERE id = $1`,
      [streamId],
    );
    row = rows[0];
    return row !== undefined;
  }, `the ledger row of stream ${streamId}`);
  return row!;
}
