import { randomUUID } from 'node:crypto';
import {
  ChatContract,
  ChatStreamEvent,
  streamCancelSubject,
  streamEventsSubject,
  UsageContract,
  type EventDef,
  type RequestDef,
  type StreamDef,
} from '@conduit/contracts';
import { readSse } from '@conduit/testing';
import { registerUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

const SLOW_ANSWER = {
  kind: 'answer' as const,
  tokens: Array.from({ length: 200 }, (_, i) => ` t${i}`),
  tokenIntervalMs: 10,
};

/** Every subject the gateway talks on, or a piece of one that is already too much to show a client. */
function subjectsOf(prefix: string, streamId: string): string[] {
  const defs = [...Object.values(ChatContract), ...Object.values(UsageContract)] as (
    RequestDef | EventDef | StreamDef
  )[];
  const subjects = defs.flatMap((def) =>
    def.kind === 'stream'
      ? [
          streamEventsSubject(def, streamId),
          streamCancelSubject(def, streamId),
          `${def.name}.cancel.`,
          `${def.name}.events.`,
        ]
      : [def.subject],
  );
  return [...subjects, prefix.replace(/\.$/, '')].filter((s) => s.length > 0);
}

describe('stream control: any stream resumed and cancelled by its id', () => {
  let platform: TestPlatform;
  let asAlice: ReturnType<typeof api>;
  let asBob: ReturnType<typeof api>;
  let sessionId: string;
  /** Every error body the gateway answered in this suite, to check none names a subject. */
  const errorBodies: string[] = [];

  async function expectError(response: Response, status: number, code: string): Promise<void> {
    const body = await response.text();
    errorBodies.push(body);
    expect({ status: response.status, code: JSON.parse(body).code }).toEqual({ status, code });
  }

  async function startSlowAnswer() {
    platform.openai.enqueue(SLOW_ANSWER);
    const response = await asAlice(`/api/v1/chat/sessions/${sessionId}/messages`, {
      body: { content: 'slow' },
    });
    expect(response.status).toBe(200);
    return { response, streamId: response.headers.get('x-stream-id') ?? '' };
  }

  async function finishedStream(): Promise<{ streamId: string; events: ChatStreamEvent[] }> {
    const response = await asAlice(`/api/v1/chat/sessions/${sessionId}/messages`, {
      body: { content: 'quick' },
    });
    const events: ChatStreamEvent[] = [];
    for await (const message of readSse(response.body)) events.push(JSON.parse(message.data));
    expect(events.at(-1)?.type).toBe('done');
    return { streamId: response.headers.get('x-stream-id') ?? '', events };
  }

  beforeAll(async () => {
    platform = await startPlatform();
    asAlice = api(platform.gateway.baseUrl, (await registerUser(platform.gateway.baseUrl)).accessToken);
    asBob = api(platform.gateway.baseUrl, (await registerUser(platform.gateway.baseUrl)).accessToken);
    sessionId = (await json(await asAlice('/api/v1/chat/sessions', { body: {} }))).id;
  });
  afterAll(() => platform?.close());

  it('answers 404 to a cancel of an unknown stream, on the chat route and the generic one', async () => {
    for (const path of [`/api/v1/chat/streams/${randomUUID()}`, `/api/v1/streams/${randomUUID()}`]) {
      await expectError(await asAlice(path, { method: 'DELETE' }), 404, 'NOT_FOUND');
    }
  });

  it("answers 404 to a cancel of someone else's running stream, and stops it for its owner", async () => {
    const { response, streamId } = await startSlowAnswer();
    const events: ChatStreamEvent[] = [];
    for await (const message of readSse(response.body)) {
      events.push(JSON.parse(message.data));
      if (events.length === 2) {
        await expectError(
          await asBob(`/api/v1/chat/streams/${streamId}`, { method: 'DELETE' }),
          404,
          'NOT_FOUND',
        );
        await expectError(await asBob(`/api/v1/streams/${streamId}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
        expect((await asAlice(`/api/v1/streams/${streamId}`, { method: 'DELETE' })).status).toBe(204);
      }
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
  });

  it('answers 409 to its owner cancelling a finished stream (404 to anyone else)', async () => {
    const { streamId } = await finishedStream();
    await expectError(
      await asAlice(`/api/v1/chat/streams/${streamId}`, { method: 'DELETE' }),
      409,
      'CONFLICT',
    );
    await expectError(await asAlice(`/api/v1/streams/${streamId}`, { method: 'DELETE' }), 409, 'CONFLICT');
    await expectError(await asBob(`/api/v1/streams/${streamId}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
  });

  it('resumes a stream at /api/v1/streams/:id after Last-Event-ID, for its owner only', async () => {
    const { streamId, events } = await finishedStream();
    const response = await asAlice(`/api/v1/streams/${streamId}`, {
      headers: { 'last-event-id': `${streamId}:1` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const rest: ChatStreamEvent[] = [];
    for await (const message of readSse(response.body)) rest.push(JSON.parse(message.data));
    expect(rest).toEqual(events.slice(2));
    await expectError(await asBob(`/api/v1/streams/${streamId}`), 404, 'NOT_FOUND');
    await expectError(await asAlice(`/api/v1/streams/${randomUUID()}`), 404, 'NOT_FOUND');
    await expectError(await asAlice('/api/v1/streams/not-a-uuid'), 400, 'VALIDATION_FAILED');
    await expectError(
      await asAlice(`/api/v1/streams/${streamId}`, { headers: { 'last-event-id': 'nonsense' } }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('never names a subject in an error detail, even with the chat service gone', async () => {
    const { streamId } = await finishedStream();
    await Promise.all(platform.chats.map((chat) => chat.stop(5_000)));
    await expectError(await asAlice('/api/v1/chat/sessions'), 503, 'SERVICE_UNAVAILABLE');
    await expectError(await asAlice('/api/v1/models'), 503, 'SERVICE_UNAVAILABLE');
    await expectError(
      await asAlice(`/api/v1/chat/sessions/${sessionId}/messages`, { body: { content: 'anyone?' } }),
      503,
      'SERVICE_UNAVAILABLE',
    );
    await expectError(
      await asAlice(`/api/v1/chat/streams/${streamId}`, { method: 'DELETE' }),
      409,
      'CONFLICT',
    );
    const subjects = subjectsOf(platform.gateway.config.NATS_SUBJECT_PREFIX, streamId);
    expect(errorBodies.length).toBeGreaterThanOrEqual(15);
    for (const body of errorBodies) {
      expect(subjects.filter((subject) => body.includes(subject))).toEqual([]);
    }
  });
});
