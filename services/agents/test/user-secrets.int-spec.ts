import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { migrateServiceSchema } from '@conduit/db';
import { inProcessServiceEnv, isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { startAgents } from '../src/app';
import { loadAgentsConfig } from '../src/config';
import { UnreadableCiphertextError, UserSecrets } from '@conduit/envelope-crypto';

/** Envelope encryption against Postgres: data keys stored wrapped, one per user, rewrapped on rotation. */
describe('user secrets in Postgres', () => {
  const infra = testEnv();
  const namespace = isolatedNamespace('agents-secrets');
  const schema = namespace.schemaFor('agents');
  const v1 = randomBytes(32).toString('base64');
  const v2 = randomBytes(32).toString('base64');
  let drop: (() => Promise<void>) | undefined;
  let pool: Pool;
  let app: NestFastifyApplication | undefined;

  const start = (keys: Record<string, string>) =>
    startAgents(
      loadAgentsConfig({
        ...inProcessServiceEnv(namespace, schema),
        ...keys,
      }),
    );

  beforeAll(async () => {
    ({ drop } = await migrateServiceSchema('agents', infra.databaseUrl, schema));
    pool = new Pool({ connectionString: infra.databaseUrl, options: `-c search_path="${schema}"` });
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await drop?.();
  });

  it('keeps one wrapped data key per user, even when first used concurrently', async () => {
    app = await start({ AGENTS_MASTER_KEY: v1, AGENTS_MASTER_KEY_ID: 'v1' });
    const secrets = app.get(UserSecrets);
    const sealed = await Promise.all(
      Array.from({ length: 8 }, (_, i) => secrets.encrypt('alice', `token-${i}`, `field-${i}`)),
    );
    for (const [i, value] of sealed.entries()) {
      await expect(secrets.decrypt('alice', value, `field-${i}`)).resolves.toBe(`token-${i}`);
    }
    const { rows } = await pool.query<{ master_key_id: string; wrapped_key: Buffer }>(
      `SELECT master_key_id, wrapped_key FROM user_data_keys WHERE user_id = 'alice'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.master_key_id).toBe('v1');
    await expect(secrets.decrypt('bob', sealed[0]!, 'field-0')).rejects.toThrow(UnreadableCiphertextError);
  });

  it('rotates the master key: a restart with the old key retired rewraps every data key, secrets still open', async () => {
    const secrets = app!.get(UserSecrets);
    const alice = await secrets.encrypt('alice', 'alice-token', 'ctx');
    const bob = await secrets.encrypt('bob', 'bob-token', 'ctx');
    await app!.close();

    app = await start({
      AGENTS_MASTER_KEY: v2,
      AGENTS_MASTER_KEY_ID: 'v2',
      AGENTS_RETIRED_MASTER_KEYS: `v1:${v1}`,
    });
    await waitFor(async () => {
      const { rows } = await pool.query(`SELECT 1 FROM user_data_keys WHERE master_key_id <> 'v2'`);
      return rows.length === 0;
    }, 'every data key rewrapped with v2');
    await app.close();

    app = await start({ AGENTS_MASTER_KEY: v2, AGENTS_MASTER_KEY_ID: 'v2' });
    const rotated = app.get(UserSecrets);
    await expect(rotated.decrypt('alice', alice, 'ctx')).resolves.toBe('alice-token');
    await expect(rotated.decrypt('bob', bob, 'ctx')).resolves.toBe('bob-token');
  });
});
