import { randomBytes } from 'node:crypto';
import { migrateServiceSchema } from '@conduit/db';
import { startServiceProcess, testEnv, type ServiceProcess } from '@conduit/testing';
import {
  registerUser,
  startTestGateway,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { api, json } from './support/platform';

/**
 * Agents end to end: the gateway in-process, the agents service as its own process (built `dist/`),
 * NATS and Postgres for real.
 */
describe('agents over HTTP', () => {
  let gateway: TestGateway;
  let agents: ServiceProcess;
  let drop: () => Promise<void>;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => api(gateway.baseUrl, user.accessToken);

  beforeAll(async () => {
    gateway = await startTestGateway();
    const schema = gateway.namespace.schemaFor('agents');
    ({ drop } = await migrateServiceSchema('agents', testEnv().databaseUrl, schema));
    agents = await startServiceProcess('agents', {
      NATS_URL: gateway.config.NATS_URL,
      NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: schema,
      AGENTS_MASTER_KEY: randomBytes(32).toString('base64'),
      REDIS_URL: gateway.config.REDIS_URL,
      REDIS_KEY_PREFIX: gateway.config.REDIS_KEY_PREFIX,
      SHUTDOWN_GRACE_MS: '5000',
    });
    [alice, bob] = await Promise.all([registerUser(gateway.baseUrl), registerUser(gateway.baseUrl)]);
  });

  afterAll(async () => {
    await agents?.stop(5_000);
    await gateway?.close();
    await drop?.();
  });

  it('creates, lists, reads, updates and deletes an agent', async () => {
    const created = await as(alice)('/api/v1/agents', {
      body: { name: 'Researcher', instructions: 'Cite sources.', tools: ['calculator'] },
    });
    expect(created.status).toBe(201);
    const agent = await json(created);
    expect(agent).toMatchObject({ name: 'Researcher', model: 'offline/echo-tools', tools: ['calculator'] });

    const page = await json(await as(alice)('/api/v1/agents?limit=10'));
    expect(page.data.map((a: { id: string }) => a.id)).toEqual([agent.id]);

    const patched = await as(alice)(`/api/v1/agents/${agent.id}`, {
      method: 'PATCH',
      body: { limits: { maxToolCalls: 2 } },
    });
    expect(patched.status).toBe(200);
    expect((await json(patched)).limits.maxToolCalls).toBe(2);

    expect((await as(alice)(`/api/v1/agents/${agent.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await as(alice)(`/api/v1/agents/${agent.id}`)).status).toBe(404);
  });

  it("never shows, changes or deletes another user's agent", async () => {
    const agent = await json(await as(alice)('/api/v1/agents', { body: { name: 'Alice only' } }));
    expect((await as(bob)(`/api/v1/agents/${agent.id}`)).status).toBe(404);
    expect(
      (await as(bob)(`/api/v1/agents/${agent.id}`, { method: 'PATCH', body: { name: 'Bob' } })).status,
    ).toBe(404);
    expect((await as(bob)(`/api/v1/agents/${agent.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await json(await as(bob)('/api/v1/agents'))).data).toEqual([]);
    expect(await json(await as(alice)(`/api/v1/agents/${agent.id}`))).toMatchObject({ name: 'Alice only' });
  });

  it('answers bad input with 4xx problems and needs credentials', async () => {
    const status = async (response: Promise<Response>) => (await response).status;
    expect(await status(as(alice)('/api/v1/agents', { body: { name: '' } }))).toBe(400);
    expect(await status(as(alice)('/api/v1/agents', { body: '{not json' }))).toBe(400);
    expect(await status(as(alice)('/api/v1/agents', { body: { name: 'x', model: 'nope/x' } }))).toBe(404);
    expect(
      await status(as(alice)('/api/v1/agents', { body: { name: 'x', limits: { wallTimeMs: 1 } } })),
    ).toBe(400);
    expect(await status(as(alice)('/api/v1/agents/not-a-uuid'))).toBe(400);
    expect(await status(as(alice)('/api/v1/agents?limit=0'))).toBe(400);
    expect(await status(as(alice)('/api/v1/agents?cursor=zzzz'))).toBe(400);
    expect(
      await status(as(alice)(`/api/v1/agents/${crypto.randomUUID()}`, { method: 'PATCH', body: {} })),
    ).toBe(400);
    expect(await status(fetch(`${gateway.baseUrl}/api/v1/agents`))).toBe(401);
  });
});
