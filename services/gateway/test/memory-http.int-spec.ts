import { randomUUID } from 'node:crypto';
import type { ChatStreamEvent, RecalledPassage } from '@conduit/contracts';
import { readSse, waitFor } from '@conduit/testing';
import { registerUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';
import { startSearchProcess, type SearchProcess } from './support/search-platform';

type Api = ReturnType<typeof api>;

describe('long-term memory: chat → search → chat, through the gateway', () => {
  let platform: TestPlatform;
  let search: SearchProcess;
  let asAlice: Api;
  let asBob: Api;

  beforeAll(async () => {
    // A recall may take its time on a busy machine; the timeout itself is covered by chat's own tests.
    platform = await startPlatform({ chatEnv: { MEMORY_RECALL_TIMEOUT_MS: '15000' } });
    search = await startSearchProcess(platform.gateway);
    const base = platform.gateway.baseUrl;
    asAlice = api(base, (await registerUser(base)).accessToken);
    asBob = api(base, (await registerUser(base)).accessToken);
  });
  afterAll(async () => {
    await search?.close();
    await platform?.close();
  });

  async function newSession(as: Api, memory?: { enabled: boolean; collections?: string[] }) {
    const response = await as('/api/v1/chat/sessions', { body: memory ? { memory } : {} });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  async function say(as: Api, sessionId: string, content: string) {
    const response = await as(`/api/v1/chat/sessions/${sessionId}/messages`, { body: { content } });
    expect(response.status).toBe(200);
    const events: ChatStreamEvent[] = [];
    for await (const message of readSse(response.body)) events.push(JSON.parse(message.data));
    const done = events.at(-1);
    if (done?.type !== 'done') throw new Error(`the answer ended with ${JSON.stringify(done)}`);
    return done;
  }

  async function recall(as: Api, query: string): Promise<RecalledPassage[]> {
    const response = await as('/api/v1/memory/search', { body: { query } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { passages: RecalledPassage[] }).passages;
  }

  it("recalls a fact said in one session in a later session of the same user, cited, and never in another user's", async () => {
    const earlier = await newSession(asAlice);
    await say(asAlice, earlier, 'My sister Ada lives in Lyon and works as a glassblower.');
    // Remembered through chat.message.created, then indexed: findable once both are done.
    await waitFor(
      async () => (await recall(asAlice, 'glassblower')).some((p) => p.text.includes('Lyon')),
      "alice's message in her memory",
    );

    const later = await newSession(asAlice, { enabled: true });
    platform.openai.reset();
    const done = await say(asAlice, later, 'Where does my sister live?');
    const memory = done.promptContext?.memory;
    expect(memory?.status).toBe('used');
    const cited = memory?.citations.find((c) => c.sessionId === earlier);
    expect(cited).toMatchObject({ collection: 'chat', sessionId: earlier });
    // The answer is asked for first; naming the new session comes after it.
    const prompt = JSON.stringify(platform.openai.requests[0]?.body);
    expect(prompt).toContain('My sister Ada lives in Lyon');

    // Bob asks the same, with memory on: nothing of Alice's reaches him, by any route.
    const bobs = await newSession(asBob, { enabled: true });
    platform.openai.reset();
    const bobDone = await say(asBob, bobs, 'Where does my sister live?');
    expect(bobDone.promptContext?.memory?.citations.some((c) => c.sessionId === earlier)).toBe(false);
    expect(JSON.stringify(platform.openai.requests[0]?.body)).not.toContain('Lyon');
    expect(await recall(asBob, 'glassblower Lyon sister')).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ sessionId: earlier })]),
    );
    const bobsList = await json(await asBob('/api/v1/memory?limit=100'));
    expect(bobsList.items.some((item: { sessionId: string }) => item.sessionId === earlier)).toBe(false);
    expect((await asBob(`/api/v1/memory/${cited?.documentId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await asBob(`/api/v1/memory/sessions/${earlier}`, { method: 'DELETE' })).status).toBe(200);
    expect((await recall(asAlice, 'glassblower')).some((p) => p.sessionId === earlier)).toBe(true);
  });

  it('lists what is remembered and forgets it on request', async () => {
    const session = await newSession(asAlice);
    await say(asAlice, session, 'The spare key is under the blue flowerpot.');
    const listed = async () =>
      (await json(await asAlice(`/api/v1/memory?sessionId=${session}`))).items as {
        id: string;
        role: string;
        text: string;
      }[];
    await waitFor(async () => (await listed()).length === 2, 'the question and the answer remembered');
    const [answer, question] = await listed();
    expect(question).toMatchObject({ role: 'user', text: 'The spare key is under the blue flowerpot.' });
    expect(answer?.role).toBe('assistant');
    await waitFor(
      async () => (await recall(asAlice, 'flowerpot')).some((p) => p.documentId === question?.id),
      'the question indexed',
    );

    expect((await asAlice(`/api/v1/memory/${question?.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await recall(asAlice, 'flowerpot')).some((p) => p.documentId === question?.id)).toBe(false);
    const forgotten = await json(await asAlice(`/api/v1/memory/sessions/${session}`, { method: 'DELETE' }));
    expect(forgotten).toEqual({ deleted: 1 });
    expect(await listed()).toEqual([]);
  });

  it('forgets what was remembered of a chat session when the session is deleted', async () => {
    const session = await newSession(asAlice);
    await say(asAlice, session, 'The attic window sticks in winter.');
    const remembered = async () =>
      (await json(await asAlice(`/api/v1/memory?sessionId=${session}`))).items.length as number;
    await waitFor(async () => (await remembered()) === 2, 'the session remembered');
    expect((await asAlice(`/api/v1/chat/sessions/${session}`, { method: 'DELETE' })).status).toBe(204);
    await waitFor(async () => (await remembered()) === 0, 'the session forgotten');
  });

  it('keeps remembered conversations out of the documents list and the memory collection out of reach of writes', async () => {
    const documents = await json(await asAlice('/api/v1/search/documents?limit=100'));
    expect(documents.data.some((d: { collection: string }) => d.collection === 'chat')).toBe(false);
    const write = await asAlice('/api/v1/search/documents', { body: { text: 'x', collection: 'chat' } });
    expect(write.status).toBe(400);
    expect((await asAlice('/api/v1/search/collections', { body: { name: 'chat' } })).status).toBe(400);
  });

  describe('bad input gets a 4xx problem, and the services stay up', () => {
    it.each([
      ['no query', {}],
      ['a blank query', { query: '   ' }],
      ['topK 0', { query: 'x', topK: 0 }],
      ['topK over 20', { query: 'x', topK: 21 }],
      ['a bad collection name', { query: 'x', collections: ['Not a name'] }],
      ['an unknown field', { query: 'x', excludeSessionId: randomUUID() }],
    ])('memory search with %s: 400', async (_name, body) => {
      const response = await asAlice('/api/v1/memory/search', { body });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('refuses bad ids and cursors, answers 404 for what is not there', async () => {
      expect((await asAlice('/api/v1/memory/not-a-uuid', { method: 'DELETE' })).status).toBe(400);
      expect((await asAlice(`/api/v1/memory/${randomUUID()}`, { method: 'DELETE' })).status).toBe(404);
      expect((await asAlice('/api/v1/memory?cursor=bogus')).status).toBe(400);
      expect((await asAlice('/api/v1/memory?limit=0')).status).toBe(400);
      expect((await recall(asAlice, 'anything at all')).length).toBeGreaterThanOrEqual(0);
    });

    it('requires credentials', async () => {
      const response = await fetch(`${platform.gateway.baseUrl}/api/v1/memory/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'x' }),
      });
      expect(response.status).toBe(401);
    });
  });
});
