import { ChatStreamEvent } from '@conduit/contracts';
import { readSse } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

describe('chat over HTTP: gateway → NATS → chat service → provider', () => {
  let platform: TestPlatform;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let asAlice: ReturnType<typeof api>;
  let asBob: ReturnType<typeof api>;

  beforeAll(async () => {
    platform = await startPlatform();
    alice = await registerUser(platform.gateway.baseUrl);
    bob = await registerUser(platform.gateway.baseUrl);
    asAlice = api(platform.gateway.baseUrl, alice.accessToken);
    asBob = api(platform.gateway.baseUrl, bob.accessToken);
  });
  afterAll(() => platform?.close());
  beforeEach(() => platform.openai.reset());

  async function createSession(as = asAlice, body: Record<string, unknown> = {}) {
    const response = await as('/api/v1/chat/sessions', { body });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; model: string; title: string };
  }

  async function streamAnswer(response: Response) {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = [];
    for await (const message of readSse(response.body)) frames.push(message);
    const events = frames.map((f) => JSON.parse(f.data) as ChatStreamEvent);
    return { frames, events, text: events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('') };
  }

  it('streams an answer as SSE with ordered seq, ids to resume from, and one terminal event', async () => {
    const session = await createSession();
    const { frames, events, text } = await streamAnswer(
      await asAlice(`/api/v1/chat/sessions/${session.id}/messages`, {
        body: { content: 'Tell me about foxes' },
      }),
    );
    expect(text).toBe('The quick brown fox jumps over the lazy dog.');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(frames.map((f) => f.event)).toEqual(events.map((e) => e.type));
    expect(frames[0]?.id).toMatch(/^[0-9a-f-]{36}:0$/);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['usage', 'done']);
    const stored = await json(await asAlice(`/api/v1/chat/sessions/${session.id}`));
    expect(stored.messages.map((m: { role: string; status: string }) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(stored.messages[1].content).toBe(text);
  });

  it('answers JSON when stream is false', async () => {
    const session = await createSession();
    const response = await asAlice(`/api/v1/chat/sessions/${session.id}/messages`, {
      body: { content: 'hi', stream: false },
    });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      content: 'The quick brown fox jumps over the lazy dog.',
      finishReason: 'stop',
      model: 'openai/gpt-4o-mini',
    });
    expect(body.usage.outputTokens).toBeGreaterThan(0);
  });

  it('manages sessions: list, rename, delete', async () => {
    const session = await createSession(asAlice, { title: 'Trip planning', systemPrompt: 'You plan trips.' });
    const renamed = await asAlice(`/api/v1/chat/sessions/${session.id}`, {
      method: 'PATCH',
      body: { title: 'Paris trip' },
    });
    expect(await json(renamed)).toMatchObject({
      id: session.id,
      title: 'Paris trip',
      systemPrompt: 'You plan trips.',
    });
    const list = await json(await asAlice('/api/v1/chat/sessions?limit=100'));
    expect(list.items.map((s: { id: string }) => s.id)).toContain(session.id);
    expect((await asAlice(`/api/v1/chat/sessions/${session.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await asAlice(`/api/v1/chat/sessions/${session.id}`)).status).toBe(404);
  });

  it('keeps memory settings on a session, and answers a turn that uses memory even with no search running', async () => {
    const session = await createSession(asAlice, { memory: { enabled: true, collections: ['notes'] } });
    expect(session).toMatchObject({ memory: { enabled: true, collections: ['notes'] } });
    const { events } = await streamAnswer(
      await asAlice(`/api/v1/chat/sessions/${session.id}/messages`, { body: { content: 'Where is Ada?' } }),
    );
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    expect(done?.type === 'done' && done.promptContext?.memory).toEqual({
      status: 'unavailable',
      citations: [],
    });
    const off = await asAlice(`/api/v1/chat/sessions/${session.id}`, {
      method: 'PATCH',
      body: { memory: { enabled: false } },
    });
    expect(await json(off)).toMatchObject({ memory: { enabled: false, collections: [] } });
  });

  it("keeps users out of each other's sessions: 404 as if absent", async () => {
    const session = await createSession(asAlice);
    const path = `/api/v1/chat/sessions/${session.id}`;
    for (const response of [
      await asBob(path),
      await asBob(path, { method: 'PATCH', body: { title: 'taken' } }),
      await asBob(path, { method: 'DELETE' }),
      await asBob(`${path}/messages`, { body: { content: 'hello' } }),
    ]) {
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const bobsSessions = await json(await asBob('/api/v1/chat/sessions?limit=100'));
    expect(bobsSessions.items.map((s: { id: string }) => s.id)).not.toContain(session.id);
    expect((await asAlice(path)).status).toBe(200);
  });

  describe('bad input gets a 4xx problem naming the field', () => {
    it.each([
      ['an empty message', { content: '   ' }, 400, 'content'],
      ['a missing message', {}, 400, 'content'],
      ['an extra field', { content: 'hi', temperature: 3 }, 400, 'temperature'],
      ['a wrong type', { content: 42 }, 400, 'content'],
      ['an unknown model', { content: 'hi', model: 'openai/gpt-9000' }, 404, null],
      ['a malformed model id', { content: 'hi', model: 'gpt4' }, 400, 'model'],
      [
        'memory settings with a bad collection name',
        { content: 'hi', memory: { enabled: true, collections: ['Not a name'] } },
        400,
        'memory.collections.0',
      ],
      [
        'memory settings without enabled',
        { content: 'hi', memory: { collections: [] } },
        400,
        'memory.enabled',
      ],
    ])('%s', async (_name, body, status, field) => {
      const session = await createSession();
      const response = await asAlice(`/api/v1/chat/sessions/${session.id}/messages`, { body });
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = await json(response);
      expect(problem.status).toBe(status);
      if (field) expect(problem.errors.map((e: { path: string }) => e.path)).toContain(field);
    });

    it('rejects malformed JSON, bad ids and unknown models on create', async () => {
      expect((await asAlice('/api/v1/chat/sessions', { body: '{"title":' })).status).toBe(400);
      expect((await asAlice('/api/v1/chat/sessions/not-a-uuid')).status).toBe(400);
      const unknownModel = await asAlice('/api/v1/chat/sessions', { body: { model: 'anthropic/claude-0' } });
      expect(unknownModel.status).toBe(404);
      expect((await json(unknownModel)).code).toBe('UNKNOWN_MODEL');
      expect((await fetch(`${platform.gateway.baseUrl}/healthz`)).status).toBe(200);
    });
  });

  it('stops a running generation on request of its owner only, keeping the partial answer', async () => {
    platform.openai.enqueue({
      kind: 'answer',
      tokens: Array.from({ length: 300 }, (_, i) => ` t${i}`),
      tokenIntervalMs: 10,
    });
    const session = await createSession();
    const response = await asAlice(`/api/v1/chat/sessions/${session.id}/messages`, {
      body: { content: 'long answer please' },
    });
    const streamId = response.headers.get('x-stream-id');
    expect(streamId).toBeTruthy();
    const events: ChatStreamEvent[] = [];
    for await (const message of readSse(response.body)) {
      events.push(JSON.parse(message.data));
      if (events.length === 3) {
        expect((await asBob(`/api/v1/chat/streams/${streamId}`, { method: 'DELETE' })).status).toBe(404);
        expect((await asAlice(`/api/v1/chat/streams/${streamId}`, { method: 'DELETE' })).status).toBe(204);
      }
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    const stored = await json(await asAlice(`/api/v1/chat/sessions/${session.id}`));
    expect(stored.messages[1]).toMatchObject({ status: 'cancelled' });
    expect(stored.messages[1].content.length).toBeGreaterThan(0);
  });

  it('regenerates an answer and edits a message as a branch, for the owner only', async () => {
    const session = await createSession(asAlice, { title: 'branches' });
    const first = await json(
      await asAlice(`/api/v1/chat/sessions/${session.id}/messages`, {
        body: { content: 'Q1', stream: false },
      }),
    );
    const regenerated = await streamAnswer(
      await asAlice(`/api/v1/chat/sessions/${session.id}/regenerate`, { body: {} }),
    );
    expect(regenerated.events.at(-1)).toMatchObject({ type: 'done' });
    const edited = await json(
      await asAlice(`/api/v1/chat/sessions/${session.id}/messages/${first.userMessageId}/edits`, {
        body: { content: 'Q1 again', stream: false },
      }),
    );
    expect(edited.userMessageId).not.toBe(first.userMessageId);
    const stored = await json(await asAlice(`/api/v1/chat/sessions/${session.id}`));
    expect(
      stored.messages
        .filter((m: { role: string }) => m.role === 'user')
        .map((m: { content: string }) => m.content),
    ).toEqual(['Q1', 'Q1 again']);
    expect(
      stored.messages.filter((m: { parentId: string }) => m.parentId === first.userMessageId),
    ).toHaveLength(2);
    expect(stored.activeLeafId).toBe(edited.assistantMessageId);

    expect((await asBob(`/api/v1/chat/sessions/${session.id}/regenerate`, { body: {} })).status).toBe(404);
    expect(
      (
        await asBob(`/api/v1/chat/sessions/${session.id}/messages/${first.userMessageId}/edits`, {
          body: { content: 'x' },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await asAlice(`/api/v1/chat/sessions/${session.id}/messages/not-a-uuid/edits`, {
          body: { content: 'x' },
        })
      ).status,
    ).toBe(400);
    expect(
      (await asAlice(`/api/v1/chat/sessions/${session.id}/regenerate`, { body: { temperature: 1 } })).status,
    ).toBe(400);
  });

  it('lists the model catalog', async () => {
    const { models } = await json(await asAlice('/api/v1/models'));
    expect(models.find((m: { id: string }) => m.id === 'openai/gpt-4o-mini')).toMatchObject({
      available: true,
      contextWindow: expect.any(Number),
    });
    expect(models.find((m: { id: string }) => m.id.startsWith('anthropic/'))).toMatchObject({
      available: false,
    });
  });

  it('requires credentials for chat routes', async () => {
    expect((await fetch(`${platform.gateway.baseUrl}/api/v1/chat/sessions`)).status).toBe(401);
  });
});
