import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { migrateServiceSchema } from '@conduit/db';
import { listeningPort } from '@conduit/service-kit';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import { startGateway } from '../../src/app';
import { GatewayConfigSchema, type GatewayConfig } from '../../src/config';

/** The JWT_SECRET every test gateway signs with, so tests can forge tokens that differ in one respect only. */
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz';

export interface TestGateway {
  app: NestFastifyApplication;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
  config: GatewayConfig;
  namespace: ReturnType<typeof isolatedNamespace>;
  /** Stops the gateway and drops its database schema (unless the schema was passed in, as for a replica). */
  close(): Promise<void>;
}

/** Builds an isolated configuration from the test environment; `overrides` win over every default. */
export function testGatewayConfig(
  namespace: ReturnType<typeof isolatedNamespace>,
  overrides: Partial<GatewayConfig> = {},
): GatewayConfig {
  const env = testEnv();
  const base = GatewayConfigSchema.parse({
    NATS_URL: env.natsUrl,
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    DATABASE_SCHEMA: namespace.schemaFor('gateway'),
    NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
    REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_SCRYPT_N: '1024',
    // Load tests run many streams as one user; suites about rate limits set their own.
    RATE_LIMIT_REQUESTS_PER_MINUTE: '6000',
    RATE_LIMIT_CONCURRENT_STREAMS: '200',
    // Suites register many accounts from one address; the sign-in limits suite sets its own.
    AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: '0',
  });
  return { ...base, ...overrides };
}

/**
 * Starts the real gateway on a free port, with its own database schema, NATS subjects and Redis keys.
 * A `DATABASE_SCHEMA` override is taken as someone else's: it is migrated but never dropped.
 */
export async function startTestGateway(
  overrides: Partial<GatewayConfig> = {},
  extraFeatures: Type<unknown>[] = [],
): Promise<TestGateway> {
  const namespace = isolatedNamespace('gateway');
  const config = testGatewayConfig(namespace, overrides);
  const ownsSchema = overrides.DATABASE_SCHEMA === undefined;
  const { drop } = await migrateServiceSchema('gateway', config.DATABASE_URL, config.DATABASE_SCHEMA);
  const dropOwnSchema = async () => {
    if (ownsSchema) await drop();
  };
  let app: NestFastifyApplication;
  try {
    app = await startGateway(config, extraFeatures);
  } catch (error) {
    await dropOwnSchema();
    throw error;
  }
  return {
    app,
    baseUrl: `http://127.0.0.1:${listeningPort(app)}`,
    config,
    namespace,
    close: async () => {
      try {
        await app.close();
      } finally {
        await dropOwnSchema();
      }
    },
  };
}

/** Another replica of `gateway`: same database schema, NATS subjects, Redis keys and JWT secret. */
export function startTestGatewayReplica(
  gateway: TestGateway,
  overrides: Partial<GatewayConfig> = {},
): Promise<TestGateway> {
  const { DATABASE_SCHEMA, NATS_SUBJECT_PREFIX, REDIS_KEY_PREFIX, JWT_SECRET } = gateway.config;
  return startTestGateway({
    DATABASE_SCHEMA,
    NATS_SUBJECT_PREFIX,
    REDIS_KEY_PREFIX,
    JWT_SECRET,
    ...overrides,
  });
}

export interface RegisteredUser {
  email: string;
  password: string;
  userId: string;
  accessToken: string;
  refreshToken: string;
}

let registered = 0;

/** Registers a fresh account through the public API and returns its credentials and tokens. */
export async function registerUser(baseUrl: string, email?: string): Promise<RegisteredUser> {
  const credentials = {
    email: email ?? `user-${process.pid}-${++registered}-${Date.now()}@example.test`,
    password: 'correct horse battery staple',
  };
  const response = await fetch(`${baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (response.status !== 201)
    throw new Error(`register answered ${response.status}: ${await response.text()}`);
  const session = (await response.json()) as {
    accessToken: string;
    refreshToken: string;
    user: { id: string; email: string };
  };
  return {
    email: session.user.email,
    password: credentials.password,
    userId: session.user.id,
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
  };
}
