import { migrateServiceSchema } from '@conduit/db';
import WebSocket from 'ws';
import {
  readSse,
  startFakeOpenAI,
  startServiceProcess,
  testEnv,
  waitFor,
  type FakeOpenAIServer,
  type ServiceProcess,
} from '@conduit/testing';
import {
  registerUser,
  startTestGateway,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { startAgentsProcess } from './support/agents-platform';
import { api, json } from './support/platform';

/**
 * Agents end to end: the gateway in-process, the agents service as its own process (built `dist/`),
 * NATS and Postgres for real.
 */
describe('agents over HTTP', () => {
  let gateway: TestGateway;
  let agents: ServiceProcess;
  let usage: ServiceProcess;
  let drop: () => Promise<void>;
  let dropUsage: () => Promise<void>;
  let openai: FakeOpenAIServer;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => api(gateway.baseUrl, user.accessToken);

  beforeAll(async () => {
    gateway = await startTestGateway();
    openai = await startFakeOpenAI({ apiKey: 'sk-fake-agents-e2e' });
    // Runs meter their calls: budgets and the ledger are the usage service's.
    const usageSchema = gateway.namespace.schemaFor('usage');
    ({ drop: dropUsage } = await migrateServiceSchema('usage', testEnv().databaseUrl, usageSchema));
    usage = await startServiceProcess('usage', {
      NATS_URL: gateway.config.NATS_URL,
      NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
      DATABASE_URL: testEnv().databaseUrl,
      DATABASE_SCHEMA: usageSchema,
      SHUTDOWN_GRACE_MS: '5000',
    });
    ({ agents, drop } = await startAgentsProcess(gateway, {
      OPENAI_API_KEY: 'sk-fake-agents-e2e',
      OPENAI_BASE_URL: openai.url,
    }));
    [alice, bob] = await Promise.all([registerUser(gateway.baseUrl), registerUser(gateway.baseUrl)]);
  });

  afterAll(async () => {
    await agents?.stop(5_000);
    await usage?.stop(5_000);
    await gateway?.close();
    await drop?.();
    await dropUsage?.();
    await openai?.close();
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

  /** Runs an agent over SSE and reads every event to the end. */
  async function runOverSse(user: RegisteredUser, agentId: string, input: string) {
    const response = await as(user)(`/api/v1/agents/${agentId}/runs`, { body: { input } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events: { id?: string; type: string; [key: string]: unknown }[] = [];
    for await (const message of readSse(response.body)) {
      events.push({ id: message.id, ...(JSON.parse(message.data) as { type: string }) });
    }
    return events;
  }

  it('runs an agent over SSE on the offline model, then serves the run and its transcript', async () => {
    const agent = await json(
      await as(alice)('/api/v1/agents', { body: { name: 'Calc', tools: ['calculator'] } }),
    );
    const events = await runOverSse(alice, agent.id, 'call calculator {"expression": "2^10"}');
    expect(events[0]).toMatchObject({ type: 'run.started', agentId: agent.id });
    expect(events.find((e) => e.type === 'tool.result')).toMatchObject({
      ok: true,
      output: { result: '1024' },
    });
    const done = events[events.length - 1]!;
    expect(done).toMatchObject({ type: 'done', status: 'succeeded', stopReason: 'completed', steps: 2 });
    const runId = done.runId as string;
    expect(events[0]!.id).toBe(`${runId}:0`);

    const run = await json(await as(alice)(`/api/v1/agents/${agent.id}/runs/${runId}`));
    expect(run.transcript.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    const page = await json(await as(alice)(`/api/v1/agents/${agent.id}/runs`));
    expect(page.data.map((r: { id: string }) => r.id)).toEqual([runId]);

    // Another user can neither run it, nor read its runs, nor resume its stream.
    expect((await as(bob)(`/api/v1/agents/${agent.id}/runs`, { body: { input: 'hi' } })).status).toBe(404);
    expect((await as(bob)(`/api/v1/agents/${agent.id}/runs/${runId}`)).status).toBe(404);
    expect((await as(bob)(`/api/v1/agents/${agent.id}/runs`)).status).toBe(404);
    expect((await as(bob)(`/api/v1/streams/${runId}`)).status).toBe(404);
    expect((await as(bob)(`/api/v1/streams/${runId}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('refuses bad run requests with 4xx and a model without its key with 404 naming the variable', async () => {
    const agent = await json(await as(alice)('/api/v1/agents', { body: { name: 'x' } }));
    const start = (body: unknown, agentId = agent.id) =>
      as(alice)(`/api/v1/agents/${agentId}/runs`, { body });
    expect((await start({})).status).toBe(400);
    expect((await start({ input: '  ' })).status).toBe(400);
    expect((await start({ input: 'x', extra: 1 })).status).toBe(400);
    expect((await start({ input: 'x' }, 'not-a-uuid')).status).toBe(400);
    expect((await start({ input: 'x' }, crypto.randomUUID())).status).toBe(404);
    expect((await as(alice)(`/api/v1/agents/${agent.id}/runs/not-a-uuid`)).status).toBe(400);
    const remote = await json(
      await as(alice)('/api/v1/agents', { body: { name: 'remote', model: 'anthropic/claude-haiku-4-5' } }),
    );
    const refused = await start({ input: 'x' }, remote.id);
    expect(refused.status).toBe(404);
    const problem = await json(refused);
    expect(problem).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(JSON.stringify(problem)).toContain('ANTHROPIC_API_KEY');
  });

  it('starts a run from a /ws start frame, and refuses one on another user’s agent', async () => {
    const agent = await json(
      await as(alice)('/api/v1/agents', { body: { name: 'ws', tools: ['current_time'] } }),
    );
    const wsUrl = `${gateway.baseUrl.replace('http', 'ws')}/ws`;
    const open = (user: RegisteredUser) =>
      new Promise<{ ws: WebSocket; frames: { type: string; id?: string; [key: string]: unknown }[] }>(
        (resolve, reject) => {
          const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${user.accessToken}` } });
          const frames: { type: string; id?: string }[] = [];
          ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
          ws.once('open', () => resolve({ ws, frames }));
          ws.once('error', reject);
        },
      );
    const mine = await open(alice);
    mine.ws.send(
      JSON.stringify({
        type: 'start',
        id: 'r1',
        stream: 'agents.run',
        request: { agentId: agent.id, input: 'call current_time {}' },
      }),
    );
    const eventsOf = (frames: { type: string; id?: string; event?: unknown }[], id: string) =>
      frames.flatMap((f) => (f.type === 'event' && f.id === id ? [f.event as { type: string }] : []));
    await waitFor(() => eventsOf(mine.frames, 'r1').some((e) => e.type === 'done'), 'the run done over /ws');
    expect(mine.frames.find((f) => f.type === 'started' && f.id === 'r1')).toMatchObject({
      ack: { agentId: agent.id, model: 'offline/echo-tools' },
    });
    expect(eventsOf(mine.frames, 'r1').map((e) => e.type)).toContain('tool.result');

    const theirs = await open(bob);
    theirs.ws.send(
      JSON.stringify({
        type: 'start',
        id: 'r2',
        stream: 'agents.run',
        request: { agentId: agent.id, input: 'hi' },
      }),
    );
    theirs.ws.send(
      JSON.stringify({ type: 'start', id: 'r3', stream: 'agents.run', request: { agentId: agent.id } }),
    );
    await waitFor(() => theirs.frames.filter((f) => f.type === 'error').length === 2, 'both refused');
    const errors = theirs.frames.flatMap((f) =>
      f.type === 'error' ? [[f.id, (f.error as { code: string }).code]] : [],
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        ['r2', 'NOT_FOUND'],
        ['r3', 'VALIDATION_FAILED'],
      ]),
    );
    mine.ws.close();
    theirs.ws.close();
  });

  it('cancels a run from its owner only, and resumes its stream after the client left', async () => {
    const agent = await json(
      await as(alice)('/api/v1/agents', { body: { name: 'slow', model: 'openai/gpt-4o-mini' } }),
    );
    openai.enqueue({ kind: 'stall', tokens: 'thinking', afterTokens: 1 });
    const response = await as(alice)(`/api/v1/agents/${agent.id}/runs`, {
      body: { input: 'Take your time' },
    });
    const seen: { id?: string; type: string; [key: string]: unknown }[] = [];
    for await (const message of readSse(response.body)) {
      const event = { id: message.id, ...(JSON.parse(message.data) as { type: string }) };
      seen.push(event);
      if (event.type === 'delta') {
        const runId = event.id!.split(':')[0]!;
        expect((await as(bob)(`/api/v1/streams/${runId}`, { method: 'DELETE' })).status).toBe(404);
        expect((await as(alice)(`/api/v1/streams/${runId}`, { method: 'DELETE' })).status).toBe(204);
      }
    }
    const done = seen[seen.length - 1]!;
    expect(done).toMatchObject({ type: 'done', status: 'cancelled', stopReason: 'cancelled' });
    const runId = done.runId as string;
    const stored = await json(await as(alice)(`/api/v1/agents/${agent.id}/runs/${runId}`));
    expect(stored).toMatchObject({ status: 'cancelled', answer: 'thinking' });

    const resumed = await as(alice)(`/api/v1/streams/${runId}?after=1`);
    expect(resumed.status).toBe(200);
    const again: { type: string }[] = [];
    for await (const message of readSse(resumed.body))
      again.push(JSON.parse(message.data) as { type: string });
    expect(again.map((e) => e.type)).toEqual(seen.slice(2).map((e) => e.type));
  });

  it('describes the agents and runs routes in the API description', async () => {
    const document = await json(await fetch(`${gateway.baseUrl}/openapi.json`));
    expect(document.paths['/api/v1/agents'].post.tags).toEqual(['agents']);
    expect(
      document.paths['/api/v1/agents/{agentId}/runs'].post.requestBody.content['application/json'].schema,
    ).toMatchObject({
      required: ['input'],
    });
    expect(document.paths['/api/v1/agents/{agentId}/runs/{runId}'].get.responses['200']).toBeDefined();
  });
});
