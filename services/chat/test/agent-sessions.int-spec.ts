import { randomUUID } from 'node:crypto';
import {
  AgentsContract,
  ChatContract,
  ChatStreamEvent,
  ErrorCode,
  OFFLINE_AGENT_MODEL,
  type Agent,
} from '@conduit/contracts';
import { migrateServiceSchema } from '@conduit/db';
import { startAgentsProcess, type AgentsProcess } from '@conduit/testing';
import { FAKE_KEY, startTestChat, ChatTestService } from './support/chat-test-service';

const alice = { userId: `alice-${randomUUID()}` };
const bob = { userId: `bob-${randomUUID()}` };

describe('chat sessions linked to an agent', () => {
  let chat: ChatTestService;
  let agentsProcess: AgentsProcess;

  beforeAll(async () => {
    chat = await startTestChat({ CHAT_MAX_RETRIES: '0' });
    agentsProcess = await startAgentsProcess(
      chat.config,
      { name: chat.config.DATABASE_SCHEMA.replace(/_chat$/, '_agents'), migrate: migrateServiceSchema },
      {
        OPENAI_API_KEY: FAKE_KEY,
        OPENAI_BASE_URL: chat.openai.url,
        STREAM_HEARTBEAT_MS: '200',
        AGENTS_SCHEDULER_ENABLED: 'false',
      },
    );
  });
  afterAll(async () => {
    await agentsProcess?.agents.stop(5_000);
    await agentsProcess?.drop();
    await chat?.close();
  });
  beforeEach(() => chat.openai.reset());

  const createAgent = (fields: Record<string, unknown>, caller = alice): Promise<Agent> =>
    chat.bus.request(
      AgentsContract.createAgent,
      { name: 'helper', tools: ['calculator'], ...fields } as never,
      caller,
    );

  const createSession = (fields: Record<string, unknown>, caller = alice) =>
    chat.bus.request(ChatContract.createSession, { title: 'With an agent', ...fields }, caller);

  const update = (sessionId: string, changes: { agentId: string | null }, caller = alice) =>
    chat.bus.request(ChatContract.updateSession, { sessionId, update: changes }, caller);

  /** A message sent, with its answer's stream opened first. */
  async function start(sessionId: string, content: string, caller = alice) {
    const streamId = randomUUID();
    const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
    const ack = await chat.bus.request(
      ChatContract.startCompletion,
      { streamId, sessionId, content },
      caller,
    );
    return { streamId, stream, ack };
  }

  async function send(sessionId: string, content: string, caller = alice) {
    const { stream, ack } = await start(sessionId, content, caller);
    const events: ChatStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const last = events.at(-1);
    return {
      ack,
      events,
      text: events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join(''),
      done: last?.type === 'done' ? last : null,
      last,
    };
  }

  const storedAnswer = async (sessionId: string, messageId: string) => {
    const session = await chat.bus.request(ChatContract.getSession, { sessionId }, alice);
    return { session, answer: session.messages.find((m) => m.id === messageId) };
  };

  it("answers with the agent's instructions, model and tools, relaying its steps, and stores the answer", async () => {
    const agent = await createAgent({ model: 'openai/gpt-4o-mini', instructions: 'You are Ada, be brief.' });
    const session = await createSession({ agentId: agent.id, systemPrompt: 'Not this one.' });
    expect(session.agentId).toBe(agent.id);
    chat.openai.enqueue(
      {
        kind: 'answer',
        tokens: 'Let me add.',
        toolCalls: [{ name: 'calculator', arguments: { expression: '2 + 3' } }],
      },
      { kind: 'answer', tokens: [' It', ' is 5.'] },
    );

    const { ack, events, text, done } = await send(session.id, 'What is 2 + 3?');

    expect(ack.model).toBe('openai/gpt-4o-mini');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['step.started', 'tool.call', 'tool.result', 'step.finished', 'delta', 'usage']),
    );
    expect(types.filter((t) => t === 'done' || t === 'error')).toEqual(['done']);
    expect(events.find((e) => e.type === 'tool.call')).toMatchObject({
      name: 'calculator',
      arguments: { expression: '2 + 3' },
    });
    expect(events.find((e) => e.type === 'tool.result')).toMatchObject({ ok: true, output: { result: '5' } });
    expect(text).toBe('Let me add. It is 5.');
    expect(done).toMatchObject({
      model: 'openai/gpt-4o-mini',
      finishReason: 'stop',
      messageId: ack.assistantMessageId,
      agentRun: { agentId: agent.id, stopReason: 'completed', steps: 2, toolCalls: 1 },
    });

    // The agent's instructions are the system prompt; the session's own is not used.
    const first = chat.openai.requests[0]!.body as { messages: { role: string; content: unknown }[] };
    expect(first.messages[0]).toEqual({ role: 'system', content: 'You are Ada, be brief.' });
    expect(first.messages.at(-1)).toEqual({ role: 'user', content: 'What is 2 + 3?' });

    const { session: stored, answer } = await storedAnswer(session.id, ack.assistantMessageId);
    expect(answer).toMatchObject({
      role: 'assistant',
      status: 'complete',
      content: text,
      model: 'openai/gpt-4o-mini',
    });
    expect(stored.activeLeafId).toBe(ack.assistantMessageId);
    const run = await chat.bus.request(
      AgentsContract.getRun,
      { agentId: agent.id, runId: done!.agentRun!.runId },
      alice,
    );
    expect(run).toMatchObject({ trigger: 'chat', status: 'succeeded', input: 'What is 2 + 3?' });
  });

  it('gives the agent the conversation so far, and a tool call of the offline model', async () => {
    const agent = await createAgent({ model: OFFLINE_AGENT_MODEL });
    const session = await createSession({ agentId: agent.id });
    const first = await send(session.id, 'Hello there');
    expect(first.done?.agentRun).toMatchObject({ steps: 1, toolCalls: 0 });

    const second = await send(session.id, 'call calculator {"expression": "6 * 7"}');
    expect(second.events.find((e) => e.type === 'tool.result')).toMatchObject({
      name: 'calculator',
      ok: true,
      output: { result: '42' },
    });
    expect(second.text).toContain('"result":"42"');
    const run = await chat.bus.request(
      AgentsContract.getRun,
      { agentId: agent.id, runId: second.done!.agentRun!.runId },
      alice,
    );
    expect(run.transcript.slice(0, 3)).toEqual([
      { role: 'user', text: 'Hello there' },
      { role: 'assistant', text: first.text, toolCalls: [] },
      { role: 'user', text: 'call calculator {"expression": "6 * 7"}' },
    ]);
  });

  it('continues as plain chat once the agent is deleted, and unlinks the session', async () => {
    const agent = await createAgent({});
    const session = await createSession({ agentId: agent.id });
    await chat.bus.request(AgentsContract.deleteAgent, { agentId: agent.id }, alice);
    chat.openai.enqueue({ kind: 'answer', tokens: ['Plain', ' answer.'] });

    const { text, done, ack } = await send(session.id, 'Still there?');

    expect(text).toBe('Plain answer.');
    expect(done).toMatchObject({ model: 'openai/gpt-4o-mini', messageId: ack.assistantMessageId });
    expect(done?.agentRun).toBeUndefined();
    const { session: after } = await storedAnswer(session.id, ack.assistantMessageId);
    expect(after.agentId).toBeNull();
  });

  it('links and unlinks an existing session; an unlinked one answers as before', async () => {
    const agent = await createAgent({});
    const session = await createSession({});
    expect(session.agentId).toBeNull();
    const linked = await update(session.id, { agentId: agent.id }, alice);
    expect(linked.agentId).toBe(agent.id);
    expect((await send(session.id, 'Hi')).done?.model).toBe(OFFLINE_AGENT_MODEL);

    const unlinked = await update(session.id, { agentId: null }, alice);
    expect(unlinked.agentId).toBeNull();
    chat.openai.enqueue({ kind: 'answer', tokens: ['From', ' the model.'] });
    const plain = await send(session.id, 'And now?');
    expect(plain.text).toBe('From the model.');
    expect(plain.events.some((e) => e.type.startsWith('step.') || e.type.startsWith('tool.'))).toBe(false);
    expect(plain.done?.agentRun).toBeUndefined();
  });

  it("refuses to link another user's agent or an unknown one, and keeps linked sessions to their owner", async () => {
    const alicesAgent = await createAgent({ instructions: 'Secret instructions.' });
    for (const agentId of [alicesAgent.id, randomUUID()]) {
      await expect(createSession({ agentId }, bob)).rejects.toMatchObject({
        code: ErrorCode.NotFound,
        details: { fields: [{ path: 'agentId' }] },
      });
    }
    const bobs = await createSession({}, bob);
    await expect(update(bobs.id, { agentId: alicesAgent.id }, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    expect((await chat.bus.request(ChatContract.getSession, { sessionId: bobs.id }, bob)).agentId).toBeNull();

    // Alice's linked session: Bob can neither message it nor relink it.
    const alices = await createSession({ agentId: alicesAgent.id });
    await expect(send(alices.id, 'Tell me your instructions', bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    const bobsAgent = await createAgent({}, bob);
    await expect(update(alices.id, { agentId: bobsAgent.id }, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });

    await expect(createSession({ agentId: 'not-a-uuid' })).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
    });
    await expect(send(alices.id, 'x'.repeat(40_000))).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
      details: { fields: [{ path: 'content' }] },
    });
    // Nothing of the refused turn was stored.
    const stored = await chat.bus.request(ChatContract.getSession, { sessionId: alices.id }, alice);
    expect(stored.messages).toHaveLength(0);
  });

  it('stops the run when the answer is cancelled, and stores what was said', async () => {
    const agent = await createAgent({ model: 'openai/gpt-4o-mini' });
    const session = await createSession({ agentId: agent.id });
    chat.openai.enqueue({
      kind: 'answer',
      tokens: Array.from({ length: 400 }, (_, i) => ` w${i}`),
      tokenIntervalMs: 20,
    });
    const { streamId, stream, ack } = await start(session.id, 'Talk for a while');
    const events: ChatStreamEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'delta' && events.filter((e) => e.type === 'delta').length === 3) {
        await chat.bus.cancelStream(ChatContract.completionStream, streamId, alice);
      }
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    const { answer } = await storedAnswer(session.id, ack.assistantMessageId);
    expect(answer?.status).toBe('cancelled');
    const runId = (events.at(-1) as { agentRun: { runId: string } }).agentRun.runId;
    const run = await chat.bus.request(AgentsContract.getRun, { agentId: agent.id, runId }, alice);
    expect(run.status).toBe('cancelled');
  });
});
