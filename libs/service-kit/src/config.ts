import { z } from 'zod';

/** Parses the environment once against a schema; a bad or missing variable stops start-up with a clear list. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  // An empty variable (`OPENAI_API_KEY=`) means unset, as in most deployment tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  return parsed.data;
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const milliseconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const schemaName = () =>
  z.string().regex(/^[a-z_][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, "_" or "-" (max 63)');

export const configFields = { port, milliseconds, schemaName };

export const LogConfigSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const BusConfigSchema = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_SUBJECT_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_-]+\.)*$/, 'must be empty or end with a dot, e.g. "staging."')
    .default(''),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  STREAM_HEARTBEAT_MS: milliseconds(1_000),
  STREAM_IDLE_TIMEOUT_MS: milliseconds(5_000),
  /** How long stream events are kept (and whose they are remembered) for clients that resume. */
  STREAM_RETENTION_MS: milliseconds(15 * 60_000),
  /** Memory JetStream sets aside for kept stream events; the oldest go first when it is full. */
  STREAM_RETENTION_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  BUS_REQUEST_TIMEOUT_MS: milliseconds(10_000),
});
export type BusConfig = z.infer<typeof BusConfigSchema>;

export const DatabaseConfigSchema = z.object({
  DATABASE_URL: z.string().min(1).default('postgresql://postgres@127.0.0.1:5432/conduit'),
  /** Connections in the process's one pool, shared by Prisma and raw SQL. */
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /** The Postgres schema of the service's tables; the service's name when unset. */
  DATABASE_SCHEMA: schemaName().optional(),
});
export type DatabaseConfig = z.infer<typeof DatabaseConfigSchema>;

export const RedisConfigSchema = z.object({
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('conduit:'),
});
export type RedisConfig = z.infer<typeof RedisConfigSchema>;

/** Everything every service reads; a service extends it with its own fields. */
export const ServiceConfigSchema = LogConfigSchema.extend(BusConfigSchema.shape).extend({
  SHUTDOWN_GRACE_MS: milliseconds(25_000),
  HOST: z.string().default('0.0.0.0'),
});
export type ServiceConfig = z.infer<typeof ServiceConfigSchema>;
