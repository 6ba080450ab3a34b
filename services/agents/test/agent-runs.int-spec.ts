import { Bus } from '@conduit/bus';
import {
  AgentsContract,
  ErrorCode,
  UsageContract,
  type CreateAgent,
  type RunStreamEvent,
} from '@conduit/contracts';
import {
  startFakeAnthropic,
  startFakeOpenAI,
  waitFor,
  type FakeAnthropicServer,
  type FakeOpenAIServer,
} from '@conduit/testing';
import { ABANDONED_AFTER_MS, AbandonedRunsSweeper } from '../src/runs/abandoned-runs.sweeper';
import { RunRepository } from '../src/runs/run.repository';
import { startAgentsTestApp, type AgentsTestApp } from './support/agents-test-app';

const OPENAI_KEY = 'sk-fake-agents-openai';
const ANTHROPIC_KEY = 'sk-ant-fake-agents';

/**
 * Runs through the real SDKs against the local fake OpenAI and Anthropic servers scripted to call tools,
 * and on the offline model; NATS, JetStream, Postgres and Redis for real.
 */
describe('agent runs', () => {
  let service: AgentsTestApp;
  let bus: Bus;
  let openai: FakeOpenAIServer;
  let anthropic: FakeAnthropicServer;
  const alice = { userId: 'user-alice' };
  const bob = { userId: 'user-bob' };

  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY });
    anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
    service = await startAgentsTestApp(
      {
        OPENAI_API_KEY: OPENAI_KEY,
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL: anthropic.url,
        STREAM_HEARTBEAT_MS: '200',
      },
      'agent-runs',
      { withUsage: true },
    );
    bus = service.bus;
  });

  afterAll(async () => {
    await service?.close();
    await openai?.close();
    await anthropic?.close();
  });

  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  const createAgent = (agent: Partial<CreateAgent> & { name?: string }, owner = alice) =>
    bus.request(
      AgentsContract.createAgent,
      { name: 'test agent', tools: ['calculator', 'current_time'], ...agent },
      owner,
    );

  /** Starts a run and collects its events to the end. */
  async function run(
    agentId: string,
    input: string,
    extra: { continueRunId?: string } = {},
    owner = alice,
  ): Promise<{ runId: string; events: RunStreamEvent[] }> {
    const streamId = crypto.randomUUID();
    const stream = bus.openStream(AgentsContract.runStream, streamId);
    await bus.request(AgentsContract.startRun, { streamId, agentId, input, ...extra }, owner);
    return { runId: streamId, events: await stream.collect() };
  }

  const types = (events: RunStreamEvent[]) => events.map((e) => e.type);
  const done = (events: RunStreamEvent[]) => {
    const last = events[events.length - 1];
    if (last?.type !== 'done') throw new Error(`run did not end with done: ${JSON.stringify(last)}`);
    return last;
  };

  it('runs a tool on the offline model when asked by name, and says it is offline', async () => {
    const agent = await createAgent({});
    const { runId, events } = await run(agent.id, 'call calculator {"expression": "6 * 7"}');
    expect(types(events)).toEqual([
      'run.started',
      'step.started',
      'tool.call',
      'tool.result',
      'step.finished',
      'step.started',
      ...events.slice(6, -2).map(() => 'delta'),
      'step.finished',
      'done',
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events[3]).toMatchObject({ type: 'tool.result', ok: true, output: { result: '42' } });
    expect(done(events)).toMatchObject({
      status: 'succeeded',
      stopReason: 'completed',
      steps: 2,
      toolCalls: 1,
    });
    expect(done(events).answer).toContain('offline model');

    const stored = await bus.request(AgentsContract.getRun, { agentId: agent.id, runId }, alice);
    expect(stored).toMatchObject({ status: 'succeeded', stopReason: 'completed', trigger: 'api', steps: 2 });
    expect(stored.transcript.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const page = await bus.request(AgentsContract.listRuns, { agentId: agent.id }, alice);
    expect(page.data.map((r) => r.id)).toEqual([runId]);
  });

  it('runs parallel tool calls and a multi-step chain over OpenAI tool calling', async () => {
    const agent = await createAgent({ model: 'openai/gpt-4o-mini', instructions: 'Use tools.' });
    openai.enqueue(
      {
        kind: 'answer',
        tokens: 'Let me check.',
        toolCalls: [
          { name: 'calculator', arguments: { expression: '2 + 3' } },
          { name: 'current_time', arguments: {} },
        ],
      },
      {
        kind: 'answer',
        tokens: [],
        toolCalls: [{ name: 'calculator', arguments: { expression: '5 * 10' } }],
      },
      { kind: 'answer', tokens: 'It is 50.' },
    );
    const { runId, events } = await run(agent.id, 'What is (2 + 3) * 10?');
    const results = events.filter((e) => e.type === 'tool.result');
    expect(results).toHaveLength(3);
    expect(results.every((r) => r.type === 'tool.result' && r.ok)).toBe(true);
    expect(done(events)).toMatchObject({
      stopReason: 'completed',
      steps: 3,
      toolCalls: 3,
      answer: 'It is 50.',
    });
    expect(done(events).usage.inputTokens).toBeGreaterThan(0);

    const [first, second] = openai.requests.map((r) => r.body!);
    // The tools' zod schemas, as JSON schema.
    expect(first!.tools).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'function',
          function: expect.objectContaining({
            name: 'calculator',
            parameters: expect.objectContaining({ type: 'object', required: ['expression'] }),
          }),
        }),
      ]),
    );
    expect(first!.messages[0]).toEqual({ role: 'system', content: 'Use tools.' });
    const assistant = second!.messages.find((m) => m.role === 'assistant') as unknown as {
      tool_calls: { id: string }[];
    };
    expect(assistant.tool_calls).toHaveLength(2);
    const toolMessages = second!.messages.filter((m) => m.role === 'tool');
    expect(toolMessages.map((m) => m.tool_call_id)).toEqual(assistant.tool_calls.map((c) => c.id));
    expect(JSON.parse(toolMessages[0]!.content as string)).toMatchObject({ result: '5' });

    const stored = await bus.request(AgentsContract.getRun, { agentId: agent.id, runId }, alice);
    expect(stored.transcript.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'tool',
      'assistant',
    ]);
  });

  it('runs tool use over Anthropic, and replays an OpenAI run’s tool history to Anthropic', async () => {
    const agent = await createAgent({ model: 'openai/gpt-4o-mini' });
    openai.enqueue(
      {
        kind: 'answer',
        tokens: [],
        toolCalls: [{ id: 'call_abc', name: 'calculator', arguments: { expression: '1 + 1' } }],
      },
      { kind: 'answer', tokens: 'Two.' },
    );
    const first = await run(agent.id, 'What is 1 + 1?');
    expect(done(first.events).answer).toBe('Two.');

    await bus.request(
      AgentsContract.updateAgent,
      { agentId: agent.id, update: { model: 'anthropic/claude-haiku-4-5' } },
      alice,
    );
    anthropic.enqueue(
      {
        kind: 'answer',
        tokens: 'Checking.',
        toolCalls: [
          { name: 'calculator', arguments: { expression: '2 * 2' } },
          { name: 'calculator', arguments: { expression: '3 * 3' } },
        ],
      },
      { kind: 'answer', tokens: 'Four and nine.' },
    );
    const second = await run(agent.id, 'And 2 * 2 and 3 * 3?', { continueRunId: first.runId });
    expect(done(second.events)).toMatchObject({
      stopReason: 'completed',
      steps: 2,
      toolCalls: 2,
      answer: 'Four and nine.',
    });

    const [request1, request2] = anthropic.requests.map((r) => r.body!) as unknown as {
      messages: { role: string; content: { type: string; id?: string; tool_use_id?: string }[] }[];
    }[];
    // The earlier OpenAI turn replayed as tool_use / tool_result blocks, then the new user text.
    expect(request1!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    expect(request1!.messages[1]!.content).toEqual([
      { type: 'tool_use', id: 'call_abc', name: 'calculator', input: { expression: '1 + 1' } },
    ]);
    expect(request1!.messages[2]!.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'call_abc' });
    // Two parallel calls answered in one user turn.
    const lastTurn = request2!.messages[request2!.messages.length - 1]!;
    expect(lastTurn.content.map((b) => b.type)).toEqual(['tool_result', 'tool_result']);
  });

  it('answers invalid JSON, an unknown tool and arguments failing the schema with error results', async () => {
    const agent = await createAgent({ model: 'openai/gpt-4o-mini' });
    openai.enqueue(
      {
        kind: 'answer',
        tokens: [],
        toolCalls: [
          { name: 'calculator', arguments: '{"expression": ' },
          { name: 'launch_rockets', arguments: {} },
          { name: 'calculator', arguments: { expression: 42 } },
        ],
      },
      { kind: 'answer', tokens: 'Sorry.' },
    );
    const { events } = await run(agent.id, 'Break things');
    const results = events.filter((e) => e.type === 'tool.result');
    expect(results.map((r) => r.type === 'tool.result' && r.error?.code)).toEqual([
      'invalid_json',
      'unknown_tool',
      'invalid_arguments',
    ]);
    expect(events.find((e) => e.type === 'tool.call')).toMatchObject({ arguments: '{"expression": ' });
    expect(done(events)).toMatchObject({ stopReason: 'completed', answer: 'Sorry.' });
    // The model was told: every call has its result in the next request.
    const toolMessages = openai.requests[1]!.body!.messages.filter((m) => m.role === 'tool');
    expect(toolMessages).toHaveLength(3);
  });

  it('ends a model that calls tools forever at its step limit, and one that calls too many at the tool-call limit', async () => {
    const looping = await createAgent({ model: 'openai/gpt-4o-mini', limits: { maxSteps: 3 } });
    openai.setBehavior({ kind: 'answer', tokens: [], toolCalls: [{ name: 'current_time', arguments: {} }] });
    const steps = await run(looping.id, 'Loop');
    expect(done(steps.events)).toMatchObject({
      status: 'limited',
      stopReason: 'max_steps',
      steps: 3,
      toolCalls: 3,
    });

    const greedy = await createAgent({ model: 'openai/gpt-4o-mini', limits: { maxToolCalls: 1 } });
    openai.setBehavior({
      kind: 'answer',
      tokens: [],
      toolCalls: [
        { name: 'current_time', arguments: {} },
        { name: 'current_time', arguments: {} },
      ],
    });
    const calls = await run(greedy.id, 'Two at once');
    expect(done(calls.events)).toMatchObject({
      status: 'limited',
      stopReason: 'max_tool_calls',
      toolCalls: 0,
    });
    expect(
      calls.events
        .filter((e) => e.type === 'tool.result')
        .every((e) => e.type === 'tool.result' && e.error?.code === 'limit_reached'),
    ).toBe(true);

    const tokens = await createAgent({ model: 'openai/gpt-4o-mini', limits: { maxTokens: 100 } });
    openai.setBehavior({
      kind: 'answer',
      tokens: [],
      usage: { inputTokens: 80, outputTokens: 30 },
      toolCalls: [{ name: 'current_time', arguments: {} }],
    });
    expect(done((await run(tokens.id, 'Spend')).events)).toMatchObject({
      stopReason: 'max_tokens',
      steps: 1,
    });
  });

  it('ends a run at its wall time, and a cancelled one as cancelled', async () => {
    const slow = await createAgent({ model: 'openai/gpt-4o-mini', limits: { wallTimeMs: 1_000 } });
    openai.setBehavior({ kind: 'stall', tokens: 'thinking hard', afterTokens: 1 });
    const timed = await run(slow.id, 'Take your time');
    expect(done(timed.events)).toMatchObject({ status: 'limited', stopReason: 'wall_time' });

    const agent = await createAgent({ model: 'openai/gpt-4o-mini' });
    const streamId = crypto.randomUUID();
    const stream = bus.openStream(AgentsContract.runStream, streamId);
    await bus.request(AgentsContract.startRun, { streamId, agentId: agent.id, input: 'Go' }, alice);
    await waitFor(
      () => openai.requests.some((r) => r.body?.messages.some((m) => m.content === 'Go')),
      'the model was called',
    );
    await expect(bus.cancelStream(AgentsContract.runStream, streamId, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await bus.cancelStream(AgentsContract.runStream, streamId, alice);
    const events = await stream.collect();
    expect(done(events)).toMatchObject({ status: 'cancelled', stopReason: 'cancelled' });
    await waitFor(
      async () =>
        (await bus.request(AgentsContract.getRun, { agentId: agent.id, runId: streamId }, alice)).status ===
        'cancelled',
      'the cancelled run stored',
    );
  });

  it('fails a run with the provider’s typed error and stays up', async () => {
    const agent = await createAgent({ model: 'openai/gpt-4o-mini' });
    openai.enqueue({ kind: 'http-error', status: 401 });
    const runId = crypto.randomUUID();
    const stream = bus.openStream(AgentsContract.runStream, runId);
    await bus.request(AgentsContract.startRun, { streamId: runId, agentId: agent.id, input: 'Hello' }, alice);
    // The stream's one terminal event is the error, which a reader raises.
    await expect(stream.collect()).rejects.toMatchObject({ code: ErrorCode.ProviderAuthFailed });
    await expect(
      bus.request(AgentsContract.getRun, { agentId: agent.id, runId }, alice),
    ).resolves.toMatchObject({
      status: 'failed',
      stopReason: 'failed',
      error: { code: ErrorCode.ProviderAuthFailed },
    });
    openai.reset();
    expect(done((await run(agent.id, 'Again')).events).stopReason).toBe('completed');
  });

  it('resumes a run’s stream from a sequence number', async () => {
    const agent = await createAgent({});
    const { runId, events } = await run(agent.id, 'call current_time {}');
    const resumed = await bus.resumeStream(AgentsContract.runStream, runId, 2);
    expect(await resumed.collect()).toEqual(events.slice(3));
  });

  it('refuses bad starts with typed errors and keeps users apart', async () => {
    const agent = await createAgent({});
    const start = (payload: Record<string, unknown>, owner = alice) =>
      bus.request(
        AgentsContract.startRun,
        { streamId: crypto.randomUUID(), agentId: agent.id, input: 'hi', ...payload } as never,
        owner,
      );
    await expect(start({ input: '   ' })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(start({ agentId: 'nope' })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(start({ extra: true })).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(start({ agentId: crypto.randomUUID() })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(start({}, bob)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(start({ continueRunId: crypto.randomUUID() })).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });

    const { runId } = await run(agent.id, 'mine');
    await expect(bus.request(AgentsContract.getRun, { agentId: agent.id, runId }, bob)).rejects.toMatchObject(
      { code: ErrorCode.NotFound },
    );
    await expect(bus.request(AgentsContract.listRuns, { agentId: agent.id }, bob)).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    await expect(start({ continueRunId: runId }, bob)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const reused = bus.request(
      AgentsContract.startRun,
      { streamId: runId, agentId: agent.id, input: 'again' },
      alice,
    );
    await expect(reused).rejects.toMatchObject({ code: ErrorCode.Conflict });
    await expect(
      bus.request(AgentsContract.listRuns, { agentId: agent.id, limit: 0 }, alice),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(
      bus.request(AgentsContract.getRun, { agentId: agent.id, runId: 'x' }, alice),
    ).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
  });

  it('meters every model and tool call in the usage ledger, and refuses a run its budget cannot hold', async () => {
    const carol = { userId: `user-carol-${crypto.randomUUID()}` };
    const agent = await createAgent({}, carol);
    const { runId, events } = await run(agent.id, 'call calculator {"expression": "1 + 2"}', {}, carol);
    expect(done(events).stopReason).toBe('completed');
    const summary = async () =>
      bus.request(
        UsageContract.summarizeUsage,
        {
          from: new Date(Date.now() - 3_600_000).toISOString(),
          to: new Date(Date.now() + 60_000).toISOString(),
          groupBy: ['model', 'service'],
        },
        carol,
      );
    // Two model calls (one step each) and one tool call, all recorded for the agents service.
    await waitFor(async () => (await summary()).totals.requests === 3, 'three usage records in the ledger');
    const usage = await summary();
    expect(usage.totals.steps).toBe(2);
    expect(usage.byService).toEqual([expect.objectContaining({ service: 'agents', requests: 3 })]);
    expect(usage.byModel?.map((m: { model: string }) => m.model).sort()).toEqual([
      'offline/echo-tools',
      'tool/calculator',
    ]);
    void runId;

    await bus.request(
      UsageContract.setBudget,
      { target: { scope: 'user' }, limits: { period: 'day', limitTokens: 50 } },
      carol,
    );
    const refusedId = crypto.randomUUID();
    const stream = bus.openStream(AgentsContract.runStream, refusedId);
    await bus.request(
      AgentsContract.startRun,
      { streamId: refusedId, agentId: agent.id, input: 'Hello' },
      carol,
    );
    await expect(stream.collect()).rejects.toMatchObject({ code: ErrorCode.BudgetExceeded });
    await expect(
      bus.request(AgentsContract.getRun, { agentId: agent.id, runId: refusedId }, carol),
    ).resolves.toMatchObject({ status: 'failed', error: { code: ErrorCode.BudgetExceeded } });
  });

  it('stores a run its replica abandoned as failed once no run could still be going', async () => {
    const agent = await createAgent({});
    const runId = crypto.randomUUID();
    // A run as a replica that died leaves it: stored as running, nobody producing it.
    await service.app.get(RunRepository).insertForAgent({
      id: runId,
      userId: alice.userId,
      agentId: agent.id,
      trigger: 'api',
      input: 'lost',
      transcript: [{ role: 'user', text: 'lost' }],
      continuesRunId: null,
    });
    const sweeper = service.app.get(AbandonedRunsSweeper);
    expect(await sweeper.sweep()).not.toContain(runId);
    expect(await sweeper.sweep(Date.now() + ABANDONED_AFTER_MS + 1_000)).toContain(runId);
    await expect(
      bus.request(AgentsContract.getRun, { agentId: agent.id, runId }, alice),
    ).resolves.toMatchObject({
      status: 'failed',
      stopReason: 'failed',
      error: { code: ErrorCode.StreamLost },
      transcript: [{ role: 'user', text: 'lost' }],
    });
  });
  it('stores the ends of runs that finish together, each in its own row and only for its owner', async () => {
    const agent = await createAgent({});
    const repository = service.app.get(RunRepository);
    const runIds = Array.from({ length: 3 }, () => crypto.randomUUID());
    for (const id of runIds) {
      await repository.insertForAgent({
        id,
        userId: alice.userId,
        agentId: agent.id,
        trigger: 'api',
        input: `input ${id}`,
        transcript: [{ role: 'user', text: `input ${id}` }],
        continuesRunId: null,
      });
    }
    const endOf = (i: number) => ({
      transcript: [
        { role: 'user' as const, text: `input ${runIds[i]}` },
        { role: 'assistant' as const, text: `answer ${i}`, toolCalls: [] },
      ],
      answer: `answer ${i}`,
      steps: i + 1,
      toolCalls: i,
      usage: { inputTokens: 10 * i, outputTokens: i, cachedTokens: 0, estimated: false },
      costUsd: 0.001 * i,
      timings: { totalMs: 1.5 * i, modelMs: i, toolsMs: 0.25 * i },
      status: i === 2 ? ('failed' as const) : ('succeeded' as const),
      stopReason: i === 2 ? ('failed' as const) : ('completed' as const),
      error: i === 2 ? { code: ErrorCode.Internal, message: 'broke' } : null,
    });
    const startOf = (id: string, userId = alice.userId) => ({
      id,
      userId,
      agentId: agent.id,
      model: agent.model,
      trigger: 'api' as const,
      input: `input ${id}`,
      continuesRunId: null,
    });
    // Added in the same turn: one batch. Bob's end of Alice's first run changes nothing.
    await Promise.all([
      ...runIds.map((id, i) => repository.finish(startOf(id), endOf(i))),
      repository.finish(startOf(runIds[0]!, bob.userId), { ...endOf(1), answer: 'not yours' }),
    ]);
    for (const [i, runId] of runIds.entries()) {
      const stored = await bus.request(AgentsContract.getRun, { agentId: agent.id, runId }, alice);
      const { transcript, answer, steps, toolCalls, usage, costUsd, timings, status, stopReason, error } =
        endOf(i);
      expect(stored).toMatchObject({
        transcript,
        answer,
        steps,
        toolCalls,
        usage,
        costUsd,
        timings,
        status,
        stopReason,
        error,
      });
      expect(stored.finishedAt).not.toBeNull();
    }
  });
  it('stores a run whole at its end when its start’s row was lost, and not for someone else’s agent', async () => {
    const agent = await createAgent({});
    const repository = service.app.get(RunRepository);
    const lost = crypto.randomUUID();
    const start = {
      id: lost,
      userId: alice.userId,
      agentId: agent.id,
      model: agent.model,
      trigger: 'api' as const,
      input: 'the lost start',
      continuesRunId: null,
    };
    const end = {
      transcript: [
        { role: 'user' as const, text: 'the lost start' },
        { role: 'assistant' as const, text: 'still here', toolCalls: [] },
      ],
      answer: 'still here',
      steps: 1,
      toolCalls: 0,
      usage: { inputTokens: 3, outputTokens: 2, cachedTokens: 0, estimated: false },
      costUsd: 0.002,
      timings: { totalMs: 5, modelMs: 4, toolsMs: 0 },
      status: 'succeeded' as const,
      stopReason: 'completed' as const,
      error: null,
    };
    const bobsRun = crypto.randomUUID();
    await Promise.all([
      repository.finish(start, end),
      repository.finish({ ...start, id: bobsRun, userId: bob.userId }, end),
    ]);
    await expect(
      bus.request(AgentsContract.getRun, { agentId: agent.id, runId: lost }, alice),
    ).resolves.toMatchObject({ ...end, input: 'the lost start', model: agent.model, trigger: 'api' });
    await expect(
      bus.request(AgentsContract.getRun, { agentId: agent.id, runId: bobsRun }, bob),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('stores the runs started together, tells each start whether its agent is the user’s and its id new', async () => {
    const agent = await createAgent({});
    const bobsAgent = await createAgent({ name: 'bob’s' }, bob);
    const repository = service.app.get(RunRepository);
    const newRun = (userId: string, agentId: string, id = crypto.randomUUID()) => ({
      id,
      userId,
      agentId,
      trigger: 'api' as const,
      input: `input ${id}`,
      transcript: [{ role: 'user' as const, text: `input ${id}` }],
      continuesRunId: null,
    });
    const twice = crypto.randomUUID();
    const [mine, again, notMine, bobs, badId] = await Promise.all([
      repository.insertForAgent(newRun(alice.userId, agent.id, twice)),
      repository.insertForAgent(newRun(alice.userId, agent.id, twice)),
      repository.insertForAgent(newRun(alice.userId, bobsAgent.id)),
      repository.insertForAgent(newRun(bob.userId, bobsAgent.id)),
      repository.insertForAgent(newRun(alice.userId, 'not-a-uuid')),
    ]);
    expect(mine).toEqual({ agent: expect.objectContaining({ id: agent.id }), inserted: true });
    expect(again).toEqual({ agent: expect.objectContaining({ id: agent.id }), inserted: false });
    expect(notMine).toEqual({ agent: null, inserted: false });
    expect(bobs).toEqual({ agent: expect.objectContaining({ id: bobsAgent.id }), inserted: true });
    expect(badId).toEqual({ agent: null, inserted: false });
    await expect(
      bus.request(AgentsContract.getRun, { agentId: agent.id, runId: twice }, alice),
    ).resolves.toMatchObject({ status: 'running', input: `input ${twice}`, model: agent.model });
  });
});
