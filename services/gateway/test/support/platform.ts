import { migrateServiceSchema } from '@conduit/db';
import {
  startFakeOpenAI,
  startServiceProcess,
  testEnv,
  type FakeOpenAIServer,
  type ServiceProcess,
} from '@conduit/testing';
import type { GatewayConfig } from '../../src/config';
import { startTestGateway, type TestGateway } from './gateway-test-app';

export const FAKE_OPENAI_KEY = 'sk-fake-provider-key';

export interface TestPlatform {
  gateway: TestGateway;
  openai: FakeOpenAIServer;
  chats: ServiceProcess[];
  /** The usage service: the ledger and budgets chat meters against. */
  usage: ServiceProcess;
  /** Starts one more chat replica in the same queue group. */
  addChatReplica(): Promise<ServiceProcess>;
  close(): Promise<void>;
}

/**
 * The gateway in-process plus chat replicas and the usage service as separate processes (built
 * `dist/`, as deployed), all on one isolated namespace, with a fake OpenAI server behind the real SDK.
 */
export async function startPlatform(
  options: {
    chatReplicas?: number;
    /** Overrides for the chat replicas; `undefined` leaves a variable unset. */
    chatEnv?: Record<string, string | undefined>;
    usageEnv?: Record<string, string>;
    gateway?: Partial<GatewayConfig>;
  } = {},
): Promise<TestPlatform> {
  const gateway = await startTestGateway(options.gateway);
  const openai = await startFakeOpenAI({
    apiKey: FAKE_OPENAI_KEY,
    defaultAnswer: 'The quick brown fox jumps over the lazy dog.',
  });
  const infra = testEnv();
  const chatSchema = gateway.namespace.schemaFor('chat');
  const { drop: dropChat } = await migrateServiceSchema('chat', infra.databaseUrl, chatSchema);
  const usageSchema = gateway.namespace.schemaFor('usage');
  const { drop: dropUsage } = await migrateServiceSchema('usage', infra.databaseUrl, usageSchema);
  const drop = async () => {
    await dropChat();
    await dropUsage();
  };
  const chatEnv = {
    NATS_URL: gateway.config.NATS_URL,
    NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: chatSchema,
    REDIS_URL: gateway.config.REDIS_URL,
    REDIS_KEY_PREFIX: gateway.config.REDIS_KEY_PREFIX,
    OPENAI_API_KEY: FAKE_OPENAI_KEY,
    OPENAI_BASE_URL: openai.url,
    CHAT_DEFAULT_MODEL: 'openai/gpt-4o-mini',
    STREAM_HEARTBEAT_MS: '500',
    SHUTDOWN_GRACE_MS: '10000',
    ...options.chatEnv,
  };
  const usage = await startServiceProcess('usage', {
    NATS_URL: chatEnv.NATS_URL,
    NATS_SUBJECT_PREFIX: chatEnv.NATS_SUBJECT_PREFIX,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: usageSchema,
    SHUTDOWN_GRACE_MS: '10000',
    // Reads that must see every record published before them may wait this long on a busy machine.
    USAGE_LEDGER_CATCH_UP_MS: '15000',
    ...options.usageEnv,
  }).catch(async (error: unknown) => {
    await gateway.close();
    await openai.close();
    await drop();
    throw error;
  });
  const chats: ServiceProcess[] = [];
  const addChatReplica = async () => {
    const chat = await startServiceProcess('chat', chatEnv);
    chats.push(chat);
    return chat;
  };
  try {
    for (let i = 0; i < (options.chatReplicas ?? 1); i++) await addChatReplica();
  } catch (error) {
    await Promise.all(chats.map((c) => c.kill()));
    await usage.kill();
    await gateway.close();
    await openai.close();
    await drop();
    throw error;
  }
  return {
    gateway,
    openai,
    chats,
    usage,
    addChatReplica,
    close: async () => {
      await Promise.all(chats.map((c) => c.stop(5_000)));
      await usage.stop(5_000);
      await gateway.close();
      await openai.close();
      await drop();
    },
  };
}

/** `fetch` with a bearer token and JSON body. */
export function api(baseUrl: string, token: string) {
  return (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
}

/** A response body as loosely typed JSON, for assertions. */
export const json = (response: Response): Promise<any> => response.json();
