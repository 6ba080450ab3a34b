import WebSocket from 'ws';
import { WsServerFrame } from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';

/** A WebSocket client that queues frames so tests can await them in order. */
class TestSocket {
  readonly frames: WsServerFrame[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString())));
  }
  static open(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  until(predicate: (frames: WsServerFrame[]) => boolean): Promise<void> {
    return waitFor(
      () => predicate(this.frames),
      () => `matching frames; got ${JSON.stringify(this.frames).slice(0, 2000)}`,
    );
  }
  eventsOf(id: string) {
    return this.frames.flatMap((f) => (f.type === 'chat.event' && f.id === id ? [f.event] : []));
  }
  ended(id: string) {
    return this.eventsOf(id).some((e) => e.type === 'done' || e.type === 'error');
  }
}

describe('chat over WebSocket', () => {
  let platform: TestPlatform;
  let alice: RegisteredUser;
  let wsUrl: string;
  let sessionId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    alice = await registerUser(platform.gateway.baseUrl);
    wsUrl = platform.gateway.baseUrl.replace('http', 'ws') + '/ws';
    sessionId = (
      await json(
        await api(platform.gateway.baseUrl, alice.accessToken)('/api/v1/chat/sessions', { body: {} }),
      )
    ).id;
  });
  afterAll(() => platform?.close());

  it('refuses unauthenticated and wrongly authenticated upgrades with 401', async () => {
    await expect(TestSocket.open(wsUrl)).rejects.toThrow('HTTP 401');
    await expect(TestSocket.open(wsUrl, { authorization: 'Bearer nonsense' })).rejects.toThrow('HTTP 401');
    await expect(
      TestSocket.open(`${wsUrl.replace('/ws', '/other')}`, { authorization: `Bearer ${alice.accessToken}` }),
    ).rejects.toThrow('HTTP 404');
  });

  it('runs several streams at once, tagged with client ids, and cancels one of them', async () => {
    // b's answer runs long (15 s), so its cancel lands mid-answer however slow the machine is.
    platform.openai.setBehavior((body) => ({
      kind: 'answer',
      tokens: Array.from(
        { length: body.messages.at(-1)?.content === 'question b' ? 1_000 : 60 },
        (_, i) => ` w${i}`,
      ),
      tokenIntervalMs: 15,
    }));
    const socket = await TestSocket.open(`${wsUrl}?access_token=${alice.accessToken}`);
    await socket.until((f) => f.some((x) => x.type === 'ready'));
    for (const id of ['a', 'b', 'c'])
      socket.send({ type: 'chat.start', id, sessionId, content: `question ${id}` });
    await socket.until(() => socket.eventsOf('b').length >= 3);
    socket.send({ type: 'cancel', id: 'b' });
    await socket.until(() => ['a', 'b', 'c'].every((id) => socket.ended(id)));
    for (const id of ['a', 'c']) {
      const events = socket.eventsOf(id);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      expect(events.filter((e) => e.type === 'delta')).toHaveLength(60);
      expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    }
    expect(socket.eventsOf('b').at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    expect(socket.frames.filter((f) => f.type === 'chat.started')).toHaveLength(3);
    platform.openai.setBehavior(undefined);
    socket.ws.close();
  });

  it('answers bad frames with typed errors and keeps the connection', async () => {
    const socket = await TestSocket.open(wsUrl, { authorization: `Bearer ${alice.accessToken}` });
    socket.send('this is not json');
    socket.send({ type: 'chat.start', id: 'x1', sessionId: 'not-a-uuid', content: 'hi' });
    socket.send({
      type: 'chat.start',
      id: 'x2',
      sessionId: '00000000-0000-4000-8000-000000000000',
      content: 'hi',
    });
    socket.send({ type: 'cancel', id: 'nothing-running' });
    socket.send({ type: 'teleport' });
    socket.send({ type: 'ping' });
    await socket.until(
      (f) => f.filter((x) => x.type === 'error').length >= 5 && f.some((x) => x.type === 'pong'),
    );
    const errors = socket.frames.flatMap((f) => (f.type === 'error' ? [[f.id ?? null, f.error.code]] : []));
    expect(errors).toEqual(
      expect.arrayContaining([
        [null, 'VALIDATION_FAILED'],
        ['x1', 'VALIDATION_FAILED'],
        ['x2', 'NOT_FOUND'],
        ['nothing-running', 'NOT_FOUND'],
      ]),
    );
    socket.send({ type: 'chat.start', id: 'ok', sessionId, content: 'still there?' });
    await socket.until(() => socket.ended('ok'));
    expect(socket.eventsOf('ok').at(-1)).toMatchObject({ type: 'done' });
    socket.ws.close();
  });

  it('starts any stream endpoint by name with a generic start frame', async () => {
    const socket = await TestSocket.open(wsUrl, { authorization: `Bearer ${alice.accessToken}` });
    socket.send({
      type: 'start',
      id: 's1',
      stream: 'chat.message',
      request: { sessionId, content: 'hello' },
    });
    socket.send({
      type: 'start',
      id: 's2',
      stream: 'chat.completion',
      request: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
    });
    socket.send({ type: 'start', id: 's3', stream: 'no.such.endpoint', request: {} });
    socket.send({ type: 'start', id: 's4', stream: 'chat.message', request: { sessionId, content: 42 } });
    socket.send({
      type: 'start',
      id: 's5',
      stream: 'chat.message',
      request: { sessionId, content: 'x', streamId: sessionId },
    });
    await socket.until(() => socket.ended('s1') && socket.ended('s2'));
    await socket.until((f) => f.filter((x) => x.type === 'error').length >= 3);
    for (const id of ['s1', 's2']) {
      expect(socket.eventsOf(id).at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
      const started = socket.frames.find((f) => f.type === 'chat.started' && f.id === id);
      expect(started).toMatchObject({ streamId: expect.any(String), ack: { streamId: expect.any(String) } });
    }
    const errors = socket.frames.flatMap((f) => (f.type === 'error' ? [[f.id, f.error.code]] : []));
    expect(errors).toEqual(
      expect.arrayContaining([
        ['s3', 'NOT_FOUND'],
        ['s4', 'VALIDATION_FAILED'],
        ['s5', 'VALIDATION_FAILED'],
      ]),
    );
    socket.ws.close();
  });

  it('keeps the answer when the client disconnects mid-stream', async () => {
    platform.openai.enqueue({
      kind: 'answer',
      tokens: Array.from({ length: 40 }, (_, i) => ` z${i}`),
      tokenIntervalMs: 20,
    });
    const socket = await TestSocket.open(wsUrl, { authorization: `Bearer ${alice.accessToken}` });
    socket.send({ type: 'chat.start', id: 'gone', sessionId, content: 'I will leave early' });
    await socket.until(() => socket.eventsOf('gone').length >= 2);
    const started = socket.frames.find((f) => f.type === 'chat.started');
    socket.ws.terminate();
    const messageId = started?.type === 'chat.started' ? started.ack.assistantMessageId : '';
    let message: { status: string; content: string } | undefined;
    await waitFor(
      async () => {
        const session = await json(
          await api(platform.gateway.baseUrl, alice.accessToken)(`/api/v1/chat/sessions/${sessionId}`),
        );
        message = session.messages.find((m: { id: string }) => m.id === messageId);
        return message?.status === 'complete';
      },
      () => `the answer to be saved; last seen ${JSON.stringify(message)}`,
    );
    expect(message?.status).toBe('complete');
    expect(message?.content.trim().split(' ')).toHaveLength(40);
  });
});
