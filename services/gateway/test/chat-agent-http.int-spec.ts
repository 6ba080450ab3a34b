import { readSse } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { startAgentsProcess, type AgentsProcess } from './support/agents-platform';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

/** A chat session linked to an agent, end to end: gateway in-process, chat, usage and agents as processes. */
describe('chat sessions linked to an agent, over HTTP', () => {
  let platform: TestPlatform;
  let agents: AgentsProcess;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  const as = (user: RegisteredUser) => api(platform.gateway.baseUrl, user.accessToken);

  beforeAll(async () => {
    platform = await startPlatform();
    agents = await startAgentsProcess(platform.gateway);
    [alice, bob] = await Promise.all([
      registerUser(platform.gateway.baseUrl),
      registerUser(platform.gateway.baseUrl),
    ]);
  });

  afterAll(async () => {
    await agents?.agents.stop(5_000);
    await agents?.drop();
    await platform?.close();
  });

  it("streams the agent's steps between the usual deltas and done, and stores the answer", async () => {
    const agent = await json(
      await as(alice)('/api/v1/agents', { body: { name: 'calc', tools: ['calculator'] } }),
    );
    const created = await as(alice)('/api/v1/chat/sessions', { body: { agentId: agent.id } });
    expect(created.status).toBe(201);
    const session = await json(created);
    expect(session.agentId).toBe(agent.id);

    const response = await as(alice)(`/api/v1/chat/sessions/${session.id}/messages`, {
      body: { content: 'call calculator {"expression": "20 + 22"}' },
    });
    expect(response.status).toBe(200);
    const events: { type: string; [key: string]: unknown }[] = [];
    for await (const message of readSse(response.body!)) events.push(JSON.parse(message.data));
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['step.started', 'tool.call', 'tool.result', 'delta']));
    expect(types.at(-1)).toBe('done');
    expect(events.find((e) => e.type === 'tool.result')).toMatchObject({
      ok: true,
      output: { result: '42' },
    });
    const text = events.flatMap((e) => (e.type === 'delta' ? [e.text as string] : [])).join('');
    expect(events.at(-1)).toMatchObject({
      model: 'offline/echo-tools',
      agentRun: { agentId: agent.id, steps: 2, toolCalls: 1 },
    });

    const opened = await json(await as(alice)(`/api/v1/chat/sessions/${session.id}`));
    expect(opened.messages.at(-1)).toMatchObject({ role: 'assistant', content: text, status: 'complete' });
  });

  it('says which agent run answered when the answer is asked for whole', async () => {
    const agent = await json(
      await as(alice)('/api/v1/agents', { body: { name: 'whole', tools: ['calculator'] } }),
    );
    const session = await json(await as(alice)('/api/v1/chat/sessions', { body: { agentId: agent.id } }));
    const response = await as(alice)(`/api/v1/chat/sessions/${session.id}/messages`, {
      body: { content: 'call calculator {"expression": "6 * 7"}', stream: false },
    });
    expect(response.status).toBe(200);
    const answer = await json(response);
    expect(answer.agentRun).toMatchObject({ agentId: agent.id, steps: 2, toolCalls: 1 });
    expect(answer.content).toContain('42');
  });

  it("answers 404 for linking someone else's agent, 400 for an id that is no uuid", async () => {
    const agent = await json(await as(alice)('/api/v1/agents', { body: { name: 'mine' } }));
    const stolen = await as(bob)('/api/v1/chat/sessions', { body: { agentId: agent.id } });
    expect(stolen.status).toBe(404);
    const session = await json(await as(bob)('/api/v1/chat/sessions', { body: {} }));
    const relinked = await as(bob)(`/api/v1/chat/sessions/${session.id}`, {
      method: 'PATCH',
      body: { agentId: agent.id },
    });
    expect(relinked.status).toBe(404);
    expect((await as(bob)('/api/v1/chat/sessions', { body: { agentId: 'nope' } })).status).toBe(400);
  });
});
