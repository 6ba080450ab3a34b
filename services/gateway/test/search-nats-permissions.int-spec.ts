import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateServiceSchema } from '@conduit/db';
import {
  deployedNatsPasswords,
  isolatedNamespace,
  NatsServerProcess,
  startServiceProcess,
  testEnv,
  waitFor,
  type ServiceProcess,
} from '@conduit/testing';
import { registerUser, TEST_JWT_SECRET } from './support/gateway-test-app';
import { api, json } from './support/platform';
import { onePagePdf } from './support/search-platform';

/** The server configuration deployed by compose and the dev StatefulSet, with the users of auth.conf. */
const DEPLOYED_CONFIG = join(__dirname, '..', '..', '..', 'deploy', 'nats', 'nats.conf');
const { passwordOf, env: PASSWORD_ENV } = deployedNatsPasswords();

describe('search on the least-privilege bus: the gateway and search users of deploy/nats/auth.conf', () => {
  const namespace = isolatedNamespace('searchperm');
  let nats: NatsServerProcess;
  let search: ServiceProcess;
  let usage: ServiceProcess;
  let gateway: ServiceProcess;
  let dataDir: string;
  const drops: (() => Promise<void>)[] = [];
  const violations = () =>
    nats
      .output()
      .split('\n')
      .filter((line) => line.includes('Violation'));

  beforeAll(async () => {
    nats = await NatsServerProcess.start({ configFile: DEPLOYED_CONFIG, env: PASSWORD_ENV });
    const infra = testEnv();
    for (const service of ['search', 'usage', 'gateway'] as const) {
      drops.push((await migrateServiceSchema(service, infra.databaseUrl, namespace.schemaFor(service))).drop);
    }
    dataDir = await mkdtemp(join(tmpdir(), 'conduit-search-perm-'));
    // Deployed as in compose and k8s: an empty subject prefix (auth.conf names the subjects as they are).
    const shared = {
      NATS_URL: nats.url,
      NATS_SUBJECT_PREFIX: '',
      DATABASE_URL: infra.databaseUrl,
      REDIS_URL: infra.redisUrl,
      REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
      SHUTDOWN_GRACE_MS: '5000',
    };
    usage = await startServiceProcess('usage', {
      ...shared,
      NATS_USER: 'usage',
      NATS_PASSWORD: passwordOf('usage'),
      DATABASE_SCHEMA: namespace.schemaFor('usage'),
    });
    search = await startServiceProcess('search', {
      ...shared,
      NATS_USER: 'search',
      NATS_PASSWORD: passwordOf('search'),
      DATABASE_SCHEMA: namespace.schemaFor('search'),
      SEARCH_LANCEDB_PATH: join(dataDir, 'lancedb'),
    });
    gateway = await startServiceProcess('gateway', {
      ...shared,
      NATS_USER: 'gateway',
      NATS_PASSWORD: passwordOf('gateway'),
      DATABASE_SCHEMA: namespace.schemaFor('gateway'),
      JWT_SECRET: TEST_JWT_SECRET,
      PASSWORD_SCRYPT_N: '1024',
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await search?.stop();
    await usage?.stop();
    await nats?.stop();
    for (const drop of drops) await drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('ingests a large batch and a file through the uploads bucket, indexes and queries, with no permission violation', async () => {
    const before = violations().length;
    const { accessToken } = await registerUser(gateway.baseUrl);
    const call = api(gateway.baseUrl, accessToken);
    const filler = 'padding words for a batch larger than one bus message '.repeat(25);
    const documents = Array.from({ length: 1_000 }, (_, i) => ({ text: `entry e${i} ${filler}` }));
    const batch = await call('/api/v1/search/documents', { body: { documents } });
    expect(batch.status).toBe(202);
    const { ids } = await json(batch);

    const form = new FormData();
    form.append('file', new Blob([onePagePdf(['Permissions let the pelican through.'])]), 'pelican.pdf');
    const file = await fetch(`${gateway.baseUrl}/api/v1/search/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
      body: form,
    });
    expect(file.status).toBe(202);
    const { id: fileId } = await json(file);

    await waitFor(
      async () =>
        (await json(await call('/api/v1/search/documents?status=pending&limit=1'))).data.length === 0,
      'every document indexed',
      120_000,
    );
    expect((await json(await call(`/api/v1/search/documents/${fileId}`))).status).toBe('indexed');
    const found = await json(
      await call('/api/v1/search/query', { body: { query: 'pelican', mode: 'hybrid', topK: 3 } }),
    );
    expect(found.results[0]?.documentId).toBe(fileId);
    const entry = await json(await call('/api/v1/search/query', { body: { query: 'e42', mode: 'keyword' } }));
    expect(entry.results[0]?.documentId).toBe(ids[42]);
    expect(violations().slice(before)).toEqual([]);
  }, 180_000);
});
