import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

const MIB = 1024 * 1024;

describe('long sessions and large requests: nothing waits out a timeout', () => {
  let platform: TestPlatform;
  let alice: RegisteredUser;
  let asAlice: ReturnType<typeof api>;
  let asBob: ReturnType<typeof api>;

  beforeAll(async () => {
    // A body limit above the bus's 1 MiB, as a deployment may set it: the bus must still answer clearly.
    platform = await startPlatform({ gateway: { BODY_LIMIT_BYTES: 4 * MIB } });
    alice = await registerUser(platform.gateway.baseUrl);
    const bob = await registerUser(platform.gateway.baseUrl);
    asAlice = api(platform.gateway.baseUrl, alice.accessToken);
    asBob = api(platform.gateway.baseUrl, bob.accessToken);
  });
  afterAll(() => platform?.close());

  it('opens a session with more than 1 MiB of messages and pages through all of them', async () => {
    const session = await json(await asAlice('/api/v1/chat/sessions', { body: { title: 'long' } }));
    const sentence = 'Tell me more about the lazy dog and the quick brown fox. ';
    const turns = 11;
    for (let i = 0; i < turns; i++) {
      const content = `${i}: ${sentence.repeat(1_700)}`.slice(0, 95_000);
      const sent = await asAlice(`/api/v1/chat/sessions/${session.id}/messages`, {
        body: { content, stream: false },
      });
      expect(sent.status).toBe(200);
    }
    // Before paging this answered 504 after the bus's 10 s request timeout.
    const opened = await asAlice(`/api/v1/chat/sessions/${session.id}`);
    expect(opened.status).toBe(200);
    const { messages, olderMessagesCursor } = await json(opened);
    expect(olderMessagesCursor).toEqual(expect.any(String));
    const all = [...messages];
    let cursor: string | null = olderMessagesCursor;
    while (cursor) {
      const response = await asAlice(
        `/api/v1/chat/sessions/${session.id}/messages?cursor=${encodeURIComponent(cursor)}`,
      );
      expect(response.status).toBe(200);
      const page = await json(response);
      all.unshift(...page.items);
      cursor = page.nextCursor;
    }
    expect(all).toHaveLength(2 * turns);
    expect(all.map((m: { role: string }) => m.role)).toEqual(
      Array.from({ length: 2 * turns }, (_, i) => (i % 2 === 0 ? 'user' : 'assistant')),
    );
    expect(all[0].content.startsWith('0: ')).toBe(true);

    const path = `/api/v1/chat/sessions/${session.id}/messages`;
    expect((await asBob(path)).status).toBe(404);
    expect((await asBob(`${path}?cursor=${encodeURIComponent(olderMessagesCursor)}`)).status).toBe(404);
    for (const query of ['?limit=0', '?limit=101', '?cursor=garbage', '?colour=blue']) {
      const response = await asAlice(`${path}${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await asAlice('/api/v1/chat/sessions/not-a-uuid/messages')).status).toBe(400);
    expect((await asAlice(`${path}?limit=2`)).status).toBe(200);
  });

  it('answers a request too large for the bus with 413 at once, not a timeout', async () => {
    const messages = Array.from({ length: 20 }, (_, i) => ({
      role: 'user',
      content: `${i} ${'y'.repeat(99_000)}`,
    }));
    const response = await asAlice('/v1/chat/completions', {
      body: { model: 'openai/gpt-4o-mini', messages },
    });
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({ error: { code: 'payload_too_large' } });
    const small = await asAlice('/v1/chat/completions', {
      body: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(small.status).toBe(200);
  });
});
