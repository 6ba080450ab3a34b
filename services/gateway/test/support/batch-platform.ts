import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrateServiceSchema } from '@conduit/db';
import {
  startFakeAnthropicBatches,
  startFakeOpenAI,
  startFakeOpenAIBatches,
  startServiceProcess,
  testEnv,
  type FakeAnthropicBatchesServer,
  type FakeOpenAIBatchesServer,
  type FakeOpenAIServer,
  type ServiceProcess,
} from '@conduit/testing';
import type { GatewayConfig } from '../../src/config';
import { startTestGateway, type TestGateway } from './gateway-test-app';

export const BATCH_OPENAI_KEY = 'sk-fake-batch-key';
export const BATCH_ANTHROPIC_KEY = 'sk-ant-fake-batch-key';
/** The model the fake OpenAI batch account cannot use. */
export const UNAVAILABLE_BATCH_MODEL = 'gpt-4.1';

export interface BatchPlatform {
  gateway: TestGateway;
  /** OpenAI's chat completions, behind the chat service. */
  openai: FakeOpenAIServer;
  /** The providers' batch APIs media-gen uses, when started with `providerBatches`. */
  providerBatches: {
    openaiBatches: FakeOpenAIBatchesServer;
    anthropicBatches: FakeAnthropicBatchesServer;
  } | null;
  /** The media-gen process now running (after `restartMediaGen`, the new one). */
  mediaGen(): ServiceProcess;
  /** SIGKILL (a crash) when asked, SIGTERM otherwise, then a fresh process on the same data. */
  restartMediaGen(options?: { kill?: boolean }): Promise<void>;
  /** The provider's batch ids media-gen has stored for batch `batchId` (`batch_<hex>`), once accepted. */
  storedProviderBatchIds(batchId: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Batches end to end: the gateway in-process; chat, usage and media-gen as their own processes (built
 * `dist/`, as deployed) on one isolated namespace; OpenAI chat completions through the real SDK against a
 * fake server.
 */
export async function startBatchPlatform(
  options: {
    gateway?: Partial<GatewayConfig>;
    mediaGenEnv?: Record<string, string>;
    /** Media-gen batches OpenAI and Anthropic lines at their batch APIs (fakes speaking them). */
    providerBatches?: boolean;
  } = {},
): Promise<BatchPlatform> {
  const infra = testEnv();
  const gateway = await startTestGateway(options.gateway);
  const openai = await startFakeOpenAI({ apiKey: BATCH_OPENAI_KEY });
  const providerBatches = options.providerBatches
    ? {
        openaiBatches: await startFakeOpenAIBatches({
          apiKey: BATCH_OPENAI_KEY,
          unavailableModels: [UNAVAILABLE_BATCH_MODEL],
        }),
        anthropicBatches: await startFakeAnthropicBatches({ apiKey: BATCH_ANTHROPIC_KEY }),
      }
    : null;
  const schemas = {
    'media-gen': gateway.namespace.schemaFor('media-gen'),
    chat: gateway.namespace.schemaFor('chat'),
    usage: gateway.namespace.schemaFor('usage'),
  };
  const drops: (() => Promise<void>)[] = [];
  for (const [service, schema] of Object.entries(schemas))
    drops.push((await migrateServiceSchema(service, infra.databaseUrl, schema)).drop);
  const storageDir = await mkdtemp(join(tmpdir(), 'conduit-batches-'));
  const bus = {
    NATS_URL: gateway.config.NATS_URL,
    NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
    DATABASE_URL: infra.databaseUrl,
    REDIS_URL: gateway.config.REDIS_URL,
    REDIS_KEY_PREFIX: gateway.config.REDIS_KEY_PREFIX,
    SHUTDOWN_GRACE_MS: '5000',
    STREAM_HEARTBEAT_MS: '500',
  };
  const mediaEnv = {
    ...bus,
    DATABASE_SCHEMA: schemas['media-gen'],
    MEDIA_STORAGE_DIR: storageDir,
    MEDIA_JOB_ACK_WAIT_MS: '2000',
    MEDIA_JOB_RETRY_BASE_MS: '100',
    ...(providerBatches
      ? {
          OPENAI_API_KEY: BATCH_OPENAI_KEY,
          OPENAI_BASE_URL: providerBatches.openaiBatches.url,
          ANTHROPIC_API_KEY: BATCH_ANTHROPIC_KEY,
          ANTHROPIC_BASE_URL: providerBatches.anthropicBatches.url,
          MEDIA_BATCH_PROVIDER_POLL_MS: '200',
        }
      : {}),
    ...options.mediaGenEnv,
  };
  const started: ServiceProcess[] = [];
  const cleanUp = async () => {
    await Promise.all(started.map((p) => p.kill()));
    await gateway.close();
    await openai.close();
    await providerBatches?.openaiBatches.close();
    await providerBatches?.anthropicBatches.close();
    for (const drop of drops) await drop();
    await rm(storageDir, { recursive: true, force: true });
  };
  let mediaGen: ServiceProcess;
  let chat: ServiceProcess;
  let usage: ServiceProcess;
  try {
    usage = await startServiceProcess('usage', {
      ...bus,
      DATABASE_SCHEMA: schemas.usage,
      USAGE_LEDGER_CATCH_UP_MS: '15000',
    });
    started.push(usage);
    chat = await startServiceProcess('chat', {
      ...bus,
      DATABASE_SCHEMA: schemas.chat,
      OPENAI_API_KEY: BATCH_OPENAI_KEY,
      OPENAI_BASE_URL: openai.url,
    });
    started.push(chat);
    mediaGen = await startServiceProcess('media-gen', mediaEnv);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    gateway,
    openai,
    providerBatches,
    mediaGen: () => mediaGen,
    restartMediaGen: async (restart = {}) => {
      await (restart.kill ? mediaGen.kill() : mediaGen.stop());
      mediaGen = await startServiceProcess('media-gen', mediaEnv);
    },
    storedProviderBatchIds: async (batchId) => {
      const db = new Client({ connectionString: infra.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query<{ id: string }>(
          `SELECT provider_batch_id AS id FROM "${schemas['media-gen']}".batch_provider_jobs
           WHERE batch_id = $1::uuid AND provider_batch_id IS NOT NULL`,
          [batchId.slice('batch_'.length)], // the UUID's 32 hex digits, which Postgres reads as one
        );
        return rows.map((row) => row.id);
      } finally {
        await db.end();
      }
    },
    close: async () => {
      await mediaGen.stop(5_000);
      await chat.stop(5_000);
      await usage.stop(5_000);
      started.length = 0;
      await cleanUp();
    },
  };
}
