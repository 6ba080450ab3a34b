import WebSocket from 'ws';
import { ChatStreamEvent, WsServerFrame } from '@conduit/contracts';
import { readSse, waitFor } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

const TOKENS = Array.from({ length: 40 }, (_, i) => ` w${i}`);
const FULL_TEXT = TOKENS.join('');
const textOf = (events: ChatStreamEvent[]) =>
  events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');

describe('resumable streams', () => {
  let platform: TestPlatform;
  let alice: RegisteredUser;
  let asAlice: ReturnType<typeof api>;
  let asBob: ReturnType<typeof api>;
  let sessionId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    alice = await registerUser(platform.gateway.baseUrl);
    asAlice = api(platform.gateway.baseUrl, alice.accessToken);
    asBob = api(platform.gateway.baseUrl, (await registerUser(platform.gateway.baseUrl)).accessToken);
    sessionId = (await json(await asAlice('/api/v1/chat/sessions', { body: { title: 'resume' } }))).id;
  });
  afterAll(() => platform?.close());
  beforeEach(() => platform.openai.setBehavior({ kind: 'answer', tokens: TOKENS, tokenIntervalMs: 15 }));

  /** Reads an answer's SSE until `keep` events have arrived, then drops the connection. */
  async function readThenDrop(keep: number): Promise<{ streamId: string; events: ChatStreamEvent[] }> {
    const controller = new AbortController();
    const response = await fetch(`${platform.gateway.baseUrl}/api/v1/chat/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'a long answer please' }),
      signal: controller.signal,
    });
    const streamId = response.headers.get('x-stream-id') as string;
    const events: ChatStreamEvent[] = [];
    try {
      for await (const message of readSse(response.body)) {
        events.push(JSON.parse(message.data));
        // Events already parsed from the same chunk would still be yielded after the abort.
        if (events.length === keep) {
          controller.abort();
          break;
        }
      }
    } catch {
      // the abort surfaces as an error from the body stream
    }
    return { streamId, events };
  }

  async function resumeSse(streamId: string, headers: Record<string, string>) {
    const response = await asAlice(`/api/v1/chat/streams/${streamId}/events`, { headers });
    expect(response.status).toBe(200);
    const events: ChatStreamEvent[] = [];
    for await (const message of readSse(response.body)) events.push(JSON.parse(message.data));
    return events;
  }

  it('reassembles the full answer after a drop at a random point (SSE Last-Event-ID)', async () => {
    for (let round = 0; round < 3; round++) {
      const keep = 2 + Math.floor(Math.random() * 30);
      const first = await readThenDrop(keep);
      expect(first.events).toHaveLength(keep);
      const last = first.events.at(-1)!;
      const rest = await resumeSse(first.streamId, { 'last-event-id': `${first.streamId}:${last.seq}` });
      const all = [...first.events, ...rest];
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i));
      expect(textOf(all)).toBe(FULL_TEXT);
      expect(all.filter((e) => e.type === 'done' || e.type === 'error')).toHaveLength(1);
      expect(all.at(-1)?.type).toBe('done');
    }
  });

  it('replays a finished stream, and resumes with ?after too', async () => {
    const first = await readThenDrop(3);
    await waitFor(async () => {
      const session = await json(await asAlice(`/api/v1/chat/sessions/${sessionId}`));
      return session.messages.every((m: { status: string }) => m.status !== 'streaming');
    }, 'the dropped answer to finish');
    const rest = await resumeSse(first.streamId, {});
    expect(textOf(rest)).toBe(FULL_TEXT);
    const tail = await asAlice(`/api/v1/chat/streams/${first.streamId}/events?after=30`);
    const events: ChatStreamEvent[] = [];
    for await (const message of readSse(tail.body)) events.push(JSON.parse(message.data));
    expect(events[0]?.seq).toBe(31);
    expect(events.at(-1)?.type).toBe('done');
  });

  it("refuses someone else's stream, unknown streams and bad resume points", async () => {
    const first = await readThenDrop(2);
    expect((await asBob(`/api/v1/chat/streams/${first.streamId}/events`)).status).toBe(404);
    expect((await asAlice(`/api/v1/chat/streams/${crypto.randomUUID()}/events`)).status).toBe(404);
    const wrongId = await asAlice(`/api/v1/chat/streams/${first.streamId}/events`, {
      headers: { 'last-event-id': `${crypto.randomUUID()}:3` },
    });
    expect(wrongId.status).toBe(400);
    expect((await asAlice(`/api/v1/chat/streams/${first.streamId}/events?after=x`)).status).toBe(400);
  });

  it('resumes over a new WebSocket after the old one dropped', async () => {
    const url = `${platform.gateway.baseUrl.replace('http', 'ws')}/ws?access_token=${alice.accessToken}`;
    const first = await collectFrames(
      url,
      (socket) =>
        socket.send(JSON.stringify({ type: 'chat.start', id: 'a', sessionId, content: 'again please' })),
      (frames) => frames.filter((f) => f.type === 'chat.event').length >= 5,
    );
    const started = first.find((f) => f.type === 'chat.started');
    const streamId = started?.type === 'chat.started' ? started.ack.streamId : '';
    const seen = first.flatMap((f) => (f.type === 'chat.event' ? [f.event] : []));
    const lastSeq = seen.at(-1)!.seq;
    const second = await collectFrames(
      url,
      (socket) => socket.send(JSON.stringify({ type: 'resume', id: 'b', streamId, lastSeq })),
      (frames) =>
        frames.some((f) => f.type === 'chat.event' && (f.event.type === 'done' || f.event.type === 'error')),
    );
    const rest = second.flatMap((f) => (f.type === 'chat.event' && f.id === 'b' ? [f.event] : []));
    const all = [...seen, ...rest];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i));
    expect(textOf(all)).toBe(FULL_TEXT);
  });
});

/** Opens a socket, sends something on `ready`, collects frames until `enough`, then drops the socket. */
function collectFrames(
  url: string,
  onReady: (socket: WebSocket) => void,
  enough: (frames: WsServerFrame[]) => boolean,
): Promise<WsServerFrame[]> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const frames: WsServerFrame[] = [];
    const timer = setTimeout(() => (socket.terminate(), reject(new Error('timed out'))), 15_000);
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as WsServerFrame;
      frames.push(frame);
      if (frame.type === 'ready') onReady(socket);
      if (enough(frames)) {
        clearTimeout(timer);
        socket.terminate();
        resolve(frames);
      }
    });
    socket.on('error', reject);
  });
}
