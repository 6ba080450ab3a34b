import { ErrorCode, type VoiceServerEvent } from '@conduit/contracts';
import {
  framesOf,
  silence,
  spokenPcm,
  startFakeGeminiLive,
  startFakeOpenAIRealtime,
  startServiceProcess,
  waitFor,
  type FakeGeminiLiveServer,
  type FakeOpenAIRealtimeServer,
  type ServiceProcess,
} from '@conduit/testing';
import { startAgentsProcess, type AgentsProcess } from './support/agents-platform';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, FAKE_OPENAI_KEY, json, startPlatform, type TestPlatform } from './support/platform';
import { VoiceSocket } from './support/voice-socket';

const RATE = 16_000;
const REALTIME_KEY = 'sk-fake-realtime-key';
const GEMINI_KEY = 'fake-gemini-key';
const GEMINI_MODEL = 'google/gemini-2.5-flash-native-audio-preview-09-2025';
const TRANSCRIPT = 'what is six times seven';
const ANSWER = 'Six times seven is forty-two.';

/**
 * Tools of an agent reaching a voice conversation whose chat session is linked to it: gateway
 * in-process; chat, usage, agents and voice as processes; the agent's model a fake OpenAI server
 * scripted to call a tool.
 */
describe('/ws/voice with an agent’s tools', () => {
  let platform: TestPlatform;
  let agents: AgentsProcess;
  let voice: ServiceProcess;
  let realtime: FakeOpenAIRealtimeServer;
  let gemini: FakeGeminiLiveServer;
  let question: Buffer[];
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let url: string;

  beforeAll(async () => {
    const fakeVoice = { transcript: TRANSCRIPT, answer: ANSWER, msPerWord: 100, responseDelayMs: 20 };
    realtime = await startFakeOpenAIRealtime({ apiKey: REALTIME_KEY, ...fakeVoice });
    gemini = await startFakeGeminiLive({ apiKey: GEMINI_KEY, ...fakeVoice });
    question = framesOf(Buffer.concat([spokenPcm(TRANSCRIPT, RATE), silence(800, RATE)]), RATE);
    platform = await startPlatform();
    const { config } = platform.gateway;
    agents = await startAgentsProcess(platform.gateway, {
      OPENAI_API_KEY: FAKE_OPENAI_KEY,
      OPENAI_BASE_URL: platform.openai.url,
    });
    voice = await startServiceProcess('voice', {
      NATS_URL: config.NATS_URL,
      NATS_SUBJECT_PREFIX: config.NATS_SUBJECT_PREFIX,
      REDIS_URL: config.REDIS_URL,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
      OPENAI_API_KEY: REALTIME_KEY,
      OPENAI_REALTIME_BASE_URL: realtime.url,
      GEMINI_API_KEY: GEMINI_KEY,
      GEMINI_BASE_URL: gemini.url,
    });
    [alice, bob] = await Promise.all([
      registerUser(platform.gateway.baseUrl),
      registerUser(platform.gateway.baseUrl),
    ]);
    url = platform.gateway.baseUrl.replace('http', 'ws') + '/ws/voice';
  });
  afterAll(async () => {
    await voice?.stop(5_000);
    if (!agentsStopped) await agents?.agents.stop(5_000);
    await agents?.drop();
    await platform?.close();
    await realtime?.close();
    await gemini?.close();
  });

  let agentsStopped = false;
  const as = (user: RegisteredUser) => api(platform.gateway.baseUrl, user.accessToken);
  const createAgent = async (user: RegisteredUser, name: string, tools = ['calculator']) =>
    json(
      await as(user)('/api/v1/agents', {
        body: { name, model: 'openai/gpt-4o-mini', instructions: 'Use the calculator.', tools },
      }),
    ) as Promise<{ id: string }>;
  const start = async (user: RegisteredUser, extra: Record<string, unknown>) => {
    const socket = await VoiceSocket.open(url, { authorization: `Bearer ${user.accessToken}` });
    socket.send({ type: 'start', sampleRate: RATE, encoding: 'pcm16', ...extra });
    await waitFor(() => socket.events().some((e) => e.type === 'ready' || e.type === 'error'), 'ready');
    return socket;
  };
  /** The events of one turn, from its transcript to its metrics, without the audio. */
  const turnEvents = (socket: VoiceSocket, turnId: string): VoiceServerEvent[] =>
    socket.events().filter((e) => 'turnId' in e && e.turnId === turnId);

  describe('pipeline mode', () => {
    it('passes on the tool calls of the agent’s answer in order with the transcript and the reply', async () => {
      const agent = await createAgent(alice, 'voice calc');
      platform.openai.enqueue(
        {
          kind: 'answer',
          tokens: [],
          toolCalls: [{ id: 'call_voice_1', name: 'calculator', arguments: { expression: '20 + 22' } }],
        },
        { kind: 'answer', tokens: 'It is 42.' },
      );
      const socket = await start(alice, { agentId: agent.id });
      const ready = socket.events()[0] as { type: string; sessionId: string };
      expect(ready).toMatchObject({ type: 'ready', mode: 'pipeline' });
      socket.send({ type: 'say', text: 'what is twenty plus twenty-two' });
      await waitFor(
        () => socket.events().some((e) => e.type === 'turn.metrics'),
        () => `the turn to end; got ${JSON.stringify(socket.events()).slice(-1500)}`,
        60_000,
      );
      const events = turnEvents(socket, 'turn-1');
      expect(events.map((e) => e.type).filter((t) => t !== 'response.delta')).toEqual([
        'transcript.final',
        'tool.call',
        'tool.result',
        'audio.started',
        'audio.done',
      ]);
      expect(events.findIndex((e) => e.type === 'tool.result')).toBeLessThan(
        events.findIndex((e) => e.type === 'response.delta'),
      );
      expect(events.find((e) => e.type === 'tool.call')).toEqual({
        type: 'tool.call',
        turnId: 'turn-1',
        callId: 'call_voice_1',
        name: 'calculator',
        arguments: { expression: '20 + 22' },
      });
      expect(events.find((e) => e.type === 'tool.result')).toEqual({
        type: 'tool.result',
        turnId: 'turn-1',
        callId: 'call_voice_1',
        name: 'calculator',
        ok: true,
        output: { expression: '20 + 22', result: '42' },
        durationMs: expect.any(Number),
      });
      const reply = events.flatMap((e) => (e.type === 'response.delta' ? [e.text] : [])).join('');
      expect(reply).toBe('It is 42.');
      const session = await json(await as(alice)(`/api/v1/chat/sessions/${ready.sessionId}`));
      expect(session.agentId).toBe(agent.id);
      socket.send({ type: 'stop' });
      expect(await socket.ended()).toMatchObject({ type: 'done' });
    });

    it('passes on a failed tool call as an error result, and the session goes on', async () => {
      const agent = await createAgent(alice, 'voice bad args');
      platform.openai.enqueue(
        { kind: 'answer', tokens: [], toolCalls: [{ name: 'calculator', arguments: '{"expression": ' }] },
        { kind: 'answer', tokens: 'I could not work it out.' },
      );
      const socket = await start(alice, { agentId: agent.id });
      socket.send({ type: 'say', text: 'what is the answer' });
      await waitFor(() => socket.events().some((e) => e.type === 'turn.metrics'), 'the turn', 60_000);
      expect(socket.events().find((e) => e.type === 'tool.call')).toMatchObject({
        name: 'calculator',
        arguments: '{"expression": ',
      });
      expect(socket.events().find((e) => e.type === 'tool.result')).toMatchObject({
        ok: false,
        error: { code: 'invalid_json' },
      });
      expect(socket.closedWith).toBeNull();
      socket.send({ type: 'stop' });
      expect(await socket.ended()).toMatchObject({ type: 'done' });
    });

    it("refuses a conversation linked to another user's agent, or to an agent besides a continued session", async () => {
      const agent = await createAgent(alice, 'not for bob');
      const stolen = await start(bob, { agentId: agent.id });
      expect(await stolen.ended()).toMatchObject({ type: 'error', code: ErrorCode.NotFound, fatal: true });
      const mine = await json(await as(bob)('/api/v1/chat/sessions', { body: {} }));
      const both = await start(bob, { sessionId: mine.id, agentId: agent.id });
      expect(await both.ended()).toMatchObject({
        type: 'error',
        code: ErrorCode.ValidationFailed,
        fatal: true,
      });
      expect((await fetch(`${platform.gateway.baseUrl}/healthz`)).status).toBe(200);
    });
  });

  describe('realtime mode', () => {
    const speak = (socket: VoiceSocket) => question.forEach((frame) => socket.ws.send(frame));
    const turnEnded = (socket: VoiceSocket, count = 1) =>
      waitFor(
        () => socket.events().filter((e) => e.type === 'turn.metrics').length >= count,
        () => `the turn to end; got ${JSON.stringify(socket.events()).slice(-2000)}`,
        30_000,
      );
    const storedMessages = async (user: RegisteredUser, sessionId: string) =>
      (await json(await as(user)(`/api/v1/chat/sessions/${sessionId}`))).messages as Array<{
        role: string;
        content: string;
      }>;

    it("declares the agent's tools to OpenAI Realtime, runs the model's call in the agents service and sends the result back", async () => {
      const agent = await createAgent(alice, 'realtime calc');
      realtime.enqueue({
        kind: 'call-tools',
        calls: [{ name: 'calculator', arguments: '{"expression": "6 * 7"}', callId: 'call_rt_1' }],
      });
      const socket = await start(alice, { mode: 'realtime', agentId: agent.id });
      const ready = socket.events()[0] as { type: string; sessionId: string };
      expect(ready).toMatchObject({ type: 'ready', mode: 'realtime' });
      const connection = realtime.connections.at(-1)!;
      expect(connection.sessionUpdates[0]).toMatchObject({
        instructions: 'Use the calculator.',
        tool_choice: 'auto',
        tools: [
          {
            type: 'function',
            name: 'calculator',
            description: expect.any(String),
            parameters: { type: 'object', properties: { expression: { type: 'string' } } },
          },
        ],
      });
      speak(socket);
      await turnEnded(socket);
      const events = turnEvents(socket, 'turn-1');
      const types = events
        .map((e) => e.type)
        .filter((t) => t !== 'response.delta' && t !== 'transcript.partial');
      expect(types).toEqual([
        'speech.started',
        'speech.stopped',
        'transcript.final',
        'tool.call',
        'tool.result',
        'audio.started',
        'audio.done',
      ]);
      expect(events.find((e) => e.type === 'tool.call')).toEqual({
        type: 'tool.call',
        turnId: 'turn-1',
        callId: 'call_rt_1',
        name: 'calculator',
        arguments: { expression: '6 * 7' },
      });
      expect(events.find((e) => e.type === 'tool.result')).toMatchObject({
        callId: 'call_rt_1',
        ok: true,
        output: { expression: '6 * 7', result: '42' },
      });
      // The result went back as OpenAI takes it (a function_call_output item), then one response.create.
      expect(connection.toolOutputs).toEqual([
        { callId: 'call_rt_1', output: JSON.stringify({ output: { expression: '6 * 7', result: '42' } }) },
      ]);
      const after = connection.received.slice(connection.received.indexOf('conversation.item.create'));
      expect(after.filter((t) => t === 'response.create')).toHaveLength(1);
      const reply = events.flatMap((e) => (e.type === 'response.delta' ? [e.text] : [])).join('');
      expect(reply).toBe(ANSWER);
      await waitFor(
        async () => (await storedMessages(alice, ready.sessionId)).length === 2,
        'the turn stored',
      );
      expect(await storedMessages(alice, ready.sessionId)).toMatchObject([
        { role: 'user', content: TRANSCRIPT },
        { role: 'assistant', content: ANSWER },
      ]);
      socket.send({ type: 'stop' });
      expect(await socket.ended()).toMatchObject({ type: 'done' });
    });

    it('answers an unknown tool, invalid JSON and a tool whose service is down with failed results, and goes on', async () => {
      const agent = await createAgent(alice, 'realtime faults', ['calculator', 'health_summary']);
      realtime.enqueue({
        kind: 'call-tools',
        calls: [
          { name: 'no_such_tool', arguments: '{}', callId: 'call_unknown' },
          { name: 'calculator', arguments: '{"expression": ', callId: 'call_bad_json' },
          // The health-data service is not running here.
          { name: 'health_summary', arguments: '{}', callId: 'call_down' },
        ],
      });
      const socket = await start(alice, { mode: 'realtime', agentId: agent.id });
      socket.send({ type: 'say', text: 'how am I doing' });
      await turnEnded(socket);
      const results = socket.events().filter((e) => e.type === 'tool.result');
      expect(results.map((r) => [r.callId, r.ok, r.error?.code]).sort()).toEqual(
        [
          ['call_bad_json', false, 'invalid_json'],
          ['call_down', false, expect.stringMatching(/^(SERVICE_UNAVAILABLE|TIMEOUT)$/)],
          ['call_unknown', false, 'unknown_tool'],
        ].sort(),
      );
      const connection = realtime.connections.at(-1)!;
      expect(connection.toolOutputs.map((o) => o.callId).sort()).toEqual([
        'call_bad_json',
        'call_down',
        'call_unknown',
      ]);
      expect(JSON.parse(connection.toolOutputs[0]!.output)).toMatchObject({
        error: { code: expect.any(String) },
      });
      // One response.create once every call had its output: the model answered, the session is up.
      expect(connection.sent).not.toContain('error');
      expect(socket.events().some((e) => e.type === 'audio.done')).toBe(true);
      expect(socket.events().some((e) => e.type === 'error')).toBe(false);
      expect(socket.closedWith).toBeNull();
      socket.send({ type: 'stop' });
      expect(await socket.ended()).toMatchObject({ type: 'done' });
    });

    it("does not let a realtime conversation use another user's agent", async () => {
      const agent = await createAgent(alice, 'alice only');
      const before = realtime.connections.length;
      const stolen = await start(bob, { mode: 'realtime', agentId: agent.id });
      expect(await stolen.ended()).toMatchObject({ type: 'error', code: ErrorCode.NotFound, fatal: true });
      const linked = await json(await as(alice)('/api/v1/chat/sessions', { body: { agentId: agent.id } }));
      const continued = await start(bob, { mode: 'realtime', sessionId: linked.id });
      expect(await continued.ended()).toMatchObject({ type: 'error', code: ErrorCode.NotFound, fatal: true });
      expect(realtime.connections.length).toBe(before);
    });

    it("declares the agent's tools to Gemini Live and answers its toolCall with a toolResponse", async () => {
      const agent = await createAgent(alice, 'gemini calc');
      gemini.enqueue({
        kind: 'call-tools',
        calls: [{ id: 'fc_1', name: 'calculator', args: { expression: '6 * 7' } }],
      });
      const socket = await start(alice, { mode: 'realtime', model: GEMINI_MODEL, agentId: agent.id });
      const ready = socket.events()[0] as { type: string; sessionId: string };
      expect(ready).toMatchObject({ type: 'ready', mode: 'realtime' });
      const connection = gemini.connections.at(-1)!;
      expect(connection.setup).toMatchObject({
        tools: [
          {
            functionDeclarations: [
              {
                name: 'calculator',
                description: expect.any(String),
                parametersJsonSchema: { type: 'object', properties: { expression: { type: 'string' } } },
              },
            ],
          },
        ],
      });
      speak(socket);
      await turnEnded(socket);
      const events = turnEvents(socket, 'turn-1');
      const types = events.map((e) => e.type);
      expect(types.indexOf('tool.call')).toBeGreaterThan(types.indexOf('transcript.final'));
      expect(types.indexOf('tool.result')).toBeGreaterThan(types.indexOf('tool.call'));
      expect(types.indexOf('audio.started')).toBeGreaterThan(types.indexOf('tool.result'));
      expect(events.find((e) => e.type === 'tool.call')).toMatchObject({
        callId: 'fc_1',
        name: 'calculator',
        arguments: { expression: '6 * 7' },
      });
      expect(connection.toolResponses).toEqual([
        { id: 'fc_1', name: 'calculator', response: { output: { expression: '6 * 7', result: '42' } } },
      ]);
      const reply = events.flatMap((e) => (e.type === 'response.delta' ? [e.text] : [])).join('');
      expect(reply).toBe(ANSWER);
      await waitFor(
        async () => (await storedMessages(alice, ready.sessionId)).length === 2,
        'the turn stored',
      );
      socket.send({ type: 'stop' });
      expect(await socket.ended()).toMatchObject({ type: 'done' });
    });

    // Last: it stops the agents service.
    it('answers the model with a failed result when the agents service is down, and the session goes on', async () => {
      const agent = await createAgent(alice, 'realtime agents down');
      realtime.enqueue({
        kind: 'call-tools',
        calls: [{ name: 'calculator', arguments: '{"expression": "1 + 1"}', callId: 'call_no_agents' }],
      });
      const socket = await start(alice, { mode: 'realtime', agentId: agent.id });
      await agents.agents.stop(5_000);
      agentsStopped = true;
      socket.send({ type: 'say', text: 'what is one plus one' });
      await turnEnded(socket);
      expect(socket.events().find((e) => e.type === 'tool.result')).toMatchObject({
        callId: 'call_no_agents',
        ok: false,
        error: { code: expect.stringMatching(/^(SERVICE_UNAVAILABLE|TIMEOUT)$/) },
      });
      expect(realtime.connections.at(-1)!.toolOutputs).toHaveLength(1);
      expect(socket.events().some((e) => e.type === 'audio.done')).toBe(true);
      expect(socket.closedWith).toBeNull();
      socket.send({ type: 'stop' });
      expect(await socket.ended()).toMatchObject({ type: 'done' });
      // A new conversation with the agent cannot start without the agents service: a clear fatal error.
      const refused = await start(alice, { mode: 'realtime', agentId: agent.id });
      expect(await refused.ended()).toMatchObject({
        type: 'error',
        code: expect.stringMatching(/^(SERVICE_UNAVAILABLE|TIMEOUT)$/),
        fatal: true,
      });
    });
  });
});
