import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';

const ROOT = join(__dirname, '..', '..', '..');
const built = readdirSync(join(ROOT, 'services')).filter((name) =>
  existsSync(join(ROOT, 'services', name, 'dist', 'main.js')),
);
const withData = built.filter((name) => existsSync(join(ROOT, 'services', name, 'prisma', 'schema.prisma')));

/** `npm start` (tools/dev/start.mjs) on its own database and namespace, every port chosen by the system. */
describe('npm start', () => {
  const infra = testEnv();
  const namespace = isolatedNamespace('start');
  const database = `conduit_start_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(infra.databaseUrl), { pathname: `/${database}` }).toString();
  let start: ChildProcess | undefined;
  const lines: string[] = [];

  afterAll(async () => {
    if (start && start.exitCode === null) start.kill('SIGKILL');
    const admin = new Client({ connectionString: infra.databaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  it('says one line per service when it is ready, where the gateway listens, and nothing else', async () => {
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
        built.flatMap((name) => {
          const envName = name.toUpperCase().replace(/-/g, '_');
          return [
            [`${envName}_PORT`, '0'],
            [`${envName}_METRICS_PORT`, '0'],
          ];
        }),
      ),
    };
    delete env.LOG_LEVEL;
    start = spawn(process.execPath, [join(ROOT, 'tools', 'dev', 'start.mjs'), '--no-build'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    const collect = (chunk: Buffer) => {
      const parts = (pending + chunk.toString()).split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
    };
    start.stdout!.on('data', collect);
    start.stderr!.on('data', collect);
    const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)));

    await waitFor(
      () => lines.some((line) => line.startsWith(`all ${built.length} services ready`)),
      'every service ready',
      150_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; start.mjs printed:\n${lines.join('\n')}`);
    });
    const gatewayLine = lines.find((line) => /^gateway\s*\| ready on /.test(line));
    const gatewayUrl = /ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(gatewayLine ?? '')?.[1];
    expect(gatewayUrl).toBeDefined();
    expect((await fetch(`${gatewayUrl}/readyz`)).status).toBe(200);

    // "created database", one line per migrated service, one per service ready (any order), the summary.
    const serviceOf = (line: string) => /^([a-z0-9-]+)/.exec(line)?.[1];
    const migrated = lines.slice(1, 1 + withData.length);
    const ready = lines.slice(1 + withData.length, -1);
    expect(lines[0]).toBe('created database');
    expect(migrated.every((line) => / \(schema [a-z0-9_-]+\): applied /.test(line))).toBe(true);
    expect(migrated.map(serviceOf).sort()).toEqual([...withData].sort());
    expect(ready.every((line) => /^[a-z0-9-]+\s*\| ready /.test(line))).toBe(true);
    expect(ready.map(serviceOf).sort()).toEqual([...built].sort());
    expect(lines.at(-1)).toBe(`all ${built.length} services ready; Ctrl-C stops everything`);

    start.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
