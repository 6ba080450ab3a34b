import { randomBytes } from 'node:crypto';
import { migrateServiceSchema } from '@conduit/db';
import {
  freePort,
  startServiceProcess,
  startTestMcpServer,
  testEnv,
  type ServiceProcess,
  type TestMcpServer,
} from '@conduit/testing';
import {
  registerUser,
  startTestGateway,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { api, json } from './support/platform';

const TOKEN = 'gateway-mcp-token-73b1d0';

/**
 * Users' MCP servers end to end: the gateway in-process, the agents service as its own process (built
 * `dist/`), a real MCP server on loopback (allowed to the agents service as an operator would allow a
 * server inside the cluster), NATS and Postgres for real.
 */
describe('MCP servers over HTTP', () => {
  let gateway: TestGateway;
  let agents: ServiceProcess;
  let mcp: TestMcpServer;
  let drop: () => Promise<void>;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => api(gateway.baseUrl, user.accessToken);
  const base = '/api/v1/agents/mcp-servers';

  beforeAll(async () => {
    mcp = await startTestMcpServer({ token: TOKEN });
    gateway = await startTestGateway();
    const schema = gateway.namespace.schemaFor('agents');
    ({ drop } = await migrateServiceSchema('agents', testEnv().databaseUrl, schema));
    agents = await startServiceProcess('agents', {
      NATS_URL: gateway.config.NATS_URL,
      NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: schema,
      AGENTS_MASTER_KEY: randomBytes(32).toString('base64'),
      AGENTS_MCP_ALLOWED_ADDRESSES: '127.0.0.1',
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
    await mcp?.close();
  });

  it('adds a server, lists its tools, changes and removes it; the token never comes back', async () => {
    const created = await as(alice)(base, {
      body: { name: 'calc', url: mcp.url, headers: { Authorization: `Bearer ${TOKEN}` } },
    });
    expect(created.status).toBe(201);
    const text = await created.text();
    expect(text).not.toContain(TOKEN);
    const server = JSON.parse(text) as { id: string };
    expect(server).toMatchObject({ name: 'calc', headerNames: ['Authorization'], enabled: true });

    const listed = await as(alice)(base);
    expect(listed.status).toBe(200);
    const listedText = await listed.text();
    expect(listedText).not.toContain(TOKEN);
    expect(JSON.parse(listedText).data.map((s: { id: string }) => s.id)).toEqual([server.id]);

    const tools = await json(await as(alice)(`${base}/${server.id}/tools`));
    expect(tools.tools.map((t: { name: string }) => t.name)).toContain('calc__add');

    const patched = await as(alice)(`${base}/${server.id}`, { method: 'PATCH', body: { enabled: false } });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ enabled: false });

    expect((await as(alice)(`${base}/${server.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await as(alice)(`${base}/${server.id}`)).status).toBe(404);
  });

  it('answers 503 saying why when a server cannot be reached', async () => {
    const dead = await json(
      await as(alice)(base, { body: { name: 'dead', url: `http://127.0.0.1:${await freePort()}/mcp` } }),
    );
    const answer = await as(alice)(`${base}/${dead.id}/tools`);
    expect(answer.status).toBe(503);
    expect(await json(answer)).toMatchObject({ detail: expect.stringContaining('"dead"') });
  });

  it('keeps one user’s servers from another', async () => {
    const server = await json(
      await as(alice)(base, { body: { name: 'private', url: mcp.url, headers: { 'X-Api-Key': TOKEN } } }),
    );
    for (const [path, method, body] of [
      [`${base}/${server.id}`, 'GET', undefined],
      [`${base}/${server.id}/tools`, 'GET', undefined],
      [`${base}/${server.id}`, 'PATCH', { url: 'https://evil.example/mcp' }],
      [`${base}/${server.id}`, 'DELETE', undefined],
    ] as const) {
      expect((await as(bob)(path, { method, ...(body ? { body } : {}) })).status).toBe(404);
    }
    expect((await json(await as(bob)(base))).data).toEqual([]);
    expect((await json(await as(alice)(`${base}/${server.id}`))).url).toBe(mcp.url);
  });

  it('answers bad input with 400 and a taken name with 409', async () => {
    const status = async (response: Promise<Response>) => (await response).status;
    for (const body of [
      {},
      { name: 'UPPER', url: mcp.url },
      { name: 'ok', url: 'ftp://example.com/' },
      { name: 'ok', url: mcp.url, headers: { Host: 'x' } },
      { name: 'ok', url: mcp.url, unknown: 1 },
      '{not json',
    ]) {
      expect(await status(as(alice)(base, { body }))).toBe(400);
    }
    expect(await status(as(alice)(`${base}/not-a-uuid`))).toBe(400);
    expect(await status(as(alice)(`${base}/not-a-uuid/tools`))).toBe(400);
    await as(alice)(base, { body: { name: 'twice', url: mcp.url } });
    expect(await status(as(alice)(base, { body: { name: 'twice', url: mcp.url } }))).toBe(409);
    expect(await status(api(gateway.baseUrl, 'not-a-token')(base))).toBe(401);
  });

  it('describes the MCP server routes in the API description', async () => {
    const document = await json(await fetch(`${gateway.baseUrl}/openapi.json`));
    const created = document.paths['/api/v1/agents/mcp-servers'].post;
    expect(created.tags).toEqual(['agents']);
    expect(created.requestBody.content['application/json'].schema).toMatchObject({
      required: expect.arrayContaining(['name', 'url']),
    });
    expect(document.paths['/api/v1/agents/mcp-servers/{id}/tools'].get.responses['200']).toBeDefined();
    expect(document.paths['/api/v1/agents/mcp-servers/{id}'].patch).toBeDefined();
  });
});
