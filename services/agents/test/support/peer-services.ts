import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateServiceSchema } from '@conduit/db';
import { startServiceProcess, testEnv, type ServiceProcess } from '@conduit/testing';

export interface PeerService {
  readonly process: ServiceProcess;
  /** Stops it and removes its schema and files. */
  close(): Promise<void>;
}

export interface Namespace {
  readonly subjectPrefix: string;
  readonly redisKeyPrefix: string;
  schemaFor(service: string): string;
}

/**
 * Another service the agents' tools ask, as its own process (its built `dist/`, as deployed), on the
 * test's namespace, with its own freshly migrated schema and a temporary folder for its files.
 */
export async function startPeerService(
  name: 'search' | 'media-gen' | 'health-data' | 'usage',
  namespace: Namespace,
  env: (dataDir: string) => Record<string, string> = () => ({}),
): Promise<PeerService> {
  const infra = testEnv();
  const schema = namespace.schemaFor(name);
  const { drop } = await migrateServiceSchema(name, infra.databaseUrl, schema);
  const dataDir = await mkdtemp(join(tmpdir(), `conduit-agents-${name}-`));
  const cleanUp = async () => {
    await drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const process = await startServiceProcess(name, {
      NATS_URL: infra.natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      DATABASE_URL: infra.databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
      SHUTDOWN_GRACE_MS: '5000',
      ...env(dataDir),
    });
    return {
      process,
      close: async () => {
        await process.stop(5_000);
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
