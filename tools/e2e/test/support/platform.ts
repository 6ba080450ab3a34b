import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';

export const ROOT = join(__dirname, '..', '..', '..', '..');

/** The services `npm start` runs: those built (with a dist/main.js). */
export const builtServices = readdirSync(join(ROOT, 'services')).filter((name) =>
  existsSync(join(ROOT, 'services', name, 'dist', 'main.js')),
);

export interface StartedPlatform {
  /** Everything start.mjs printed so far, line by line. */
  lines: string[];
  /** `http://127.0.0.1:<port>` once ready. */
  gatewayUrl: string;
  /** The start.mjs process: SIGINT stops everything gracefully. */
  process: ChildProcess;
  exited: Promise<number | null>;
  /** Kills what is still running and drops the database. */
  stop(): Promise<void>;
}

/**
 * `npm start` (tools/dev/start.mjs --no-build) on offline defaults, on its own database, NATS subject
 * prefix and Redis key prefix, every port chosen by the system; resolves when every service is ready.
 */
export async function startPlatform(
  label: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<StartedPlatform> {
  const infra = testEnv();
  const namespace = isolatedNamespace(label);
  const database = `conduit_${label}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(infra.databaseUrl), { pathname: `/${database}` }).toString();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: infra.natsUrl,
    NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
    DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
    JWT_SECRET: randomBytes(32).toString('hex'),
    MEDIA_URL_SECRET: randomBytes(32).toString('hex'),
    PORT: '0',
    ...Object.fromEntries(
      builtServices.flatMap((name) => {
        const envName = name.toUpperCase().replace(/-/g, '_');
        return [
          [`${envName}_PORT`, '0'],
          [`${envName}_METRICS_PORT`, '0'],
        ];
      }),
    ),
    ...extraEnv,
  };
  delete env.LOG_LEVEL;
  const child = spawn(process.execPath, [join(ROOT, 'tools', 'dev', 'start.mjs'), '--no-build'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  const collect = (chunk: Buffer) => {
    const parts = (pending + chunk.toString()).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const stopped = await Promise.race([exited.then(() => true), delay(20_000).then(() => false)]);
      if (!stopped) child.kill('SIGKILL');
    }
    const admin = new Client({ connectionString: infra.databaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  };

  try {
    await waitFor(
      () => lines.some((line) => line.startsWith(`all ${builtServices.length} services ready`)),
      'every service ready',
      150_000,
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; start.mjs printed:\n${lines.join('\n')}`);
  }
  const gatewayLine = lines.find((line) => /^gateway\s*\| ready on /.test(line));
  const gatewayUrl = /ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(gatewayLine ?? '')?.[1];
  if (!gatewayUrl) throw new Error(`No gateway address in:\n${lines.join('\n')}`);
  return { lines, gatewayUrl, process: child, exited, stop };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
