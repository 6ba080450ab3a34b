import { ErrorCode, type VoiceServerEvent } from '@conduit/contracts';
import { startServiceProcess, waitFor, type ServiceProcess } from '@conduit/testing';
import { startAgentsProcess, type AgentsProcess } from './support/agents-platform';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, FAKE_OPENAI_KEY, json, startPlatform, type TestPlatform } from './support/platform';
import { VoiceSocket } from './support/voice-socket';

const RATE = 16_000;

/**
 * Tools of an agent reaching a voice conversation whose chat session is linked to it: gateway
 * in-process; chat, usage, agents and voice as processes; the agent's model a fake OpenAI server
 * scripted to call a tool.
 */
describe('/ws/voice with an agent’s tools', () => {
  let platform: TestPlatform;
  let agents: AgentsProcess;
  let voice: ServiceProcess;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let url: string;

  beforeAll(async () => {
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
    });
    [alice, bob] = await Promise.all([
      registerUser(platform.gateway.baseUrl),
      registerUser(platform.gateway.baseUrl),
    ]);
    url = platform.gateway.baseUrl.replace('http', 'ws') + '/ws/voice';
  });
  afterAll(async () => {
    await voice?.stop(5_000);
    await agents?.agents.stop(5_000);
    await agents?.drop();
    await platform?.close();
  });

  const as = (user: RegisteredUser) => api(platform.gateway.baseUrl, user.accessToken);
  const createAgent = async (user: RegisteredUser, name: string) =>
    json(
      await as(user)('/api/v1/agents', {
        body: { name, model: 'openai/gpt-4o-mini', tools: ['calculator'] },
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
});
