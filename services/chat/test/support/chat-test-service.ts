import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { migrateServiceSchema } from '@conduit/db';
import {
  isolatedNamespace,
  startFakeAnthropic,
  startFakeOpenAI,
  testEnv,
  type FakeAnthropicServer,
  type FakeOpenAIServer,
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
  /** Another replica of the same deployment (schema, subjects, Redis keys, providers); `env` overrides. */
  startReplica(env?: Record<string, string>): Promise<NestFastifyApplication>;
  close(): Promise<void>;
}

export const FAKE_KEY = 'sk-test-key';

/** The chat service in-process, on its own schema and subject prefix, with fake providers behind real SDKs. */
export async function startTestChat(
  env: Record<string, string> = {},
  /** The NATS user the test client connects as, on a server that has users. */
  client: { user: string; password: string } | null = null,
): Promise<ChatTestService> {
  const namespace = isolatedNamespace('chat');
  const infra = testEnv();
  const [openai, anthropic] = await Promise.all([
    startFakeOpenAI({ apiKey: FAKE_KEY, defaultAnswer: 'Hello from the fake model.' }),
    startFakeAnthropic({ apiKey: FAKE_KEY }),
  ]);
  const schema = namespace.schemaFor('chat');
  const { drop } = await migrateServiceSchema('chat', infra.databaseUrl, schema);
  const deployment = {
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
    PORT: '0',
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
    startReplica: async (overrides = {}) => {
      const replica = await startChat(loadChatConfig({ ...deployment, ...overrides }));
      replicas.push(replica);
      return replica;
    },
    close: async () => {
      await bus.close();
      await Promise.all(replicas.map((replica) => replica.close()));
      await app.close();
      await Promise.all([openai.close(), anthropic.close()]);
      await drop();
    },
  };
}
