import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Body, Controller, Module, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import WebSocket from 'ws';
import { z } from 'zod';
import { Bus, type StreamWriter } from '@conduit/bus';
import {
  defineRequest,
  defineStream,
  ErrorCode,
  SeqSchema,
  streamErrorEvent,
  type WsServerFrame,
} from '@conduit/contracts';
import { readSse, waitFor } from '@conduit/testing';
import { ApiRoute } from '../src/http/api-route.decorator';
import type { AuthenticatedCaller } from '../src/identity/caller-context';
import { Caller } from '../src/identity/caller.decorator';
import { RequestCount, type RequestCountListener } from '../src/rate-limits/request-count';
import { sendAsSse } from '../src/streaming/sse-relay';
import { defineStreamEndpoint, RelaysStream } from '../src/streaming/stream-endpoint';
import { StreamRelay } from '../src/streaming/stream-relay.service';
import { StreamingModule } from '../src/streaming/streaming.module';
import { registerUser, startTestGateway, type TestGateway } from './support/gateway-test-app';
import { api } from './support/platform';

// A service that streams, as a new one would be added: its contract ...
const CountdownRequestSchema = z.strictObject({
  streamId: z.uuid(),
  from: z.number().int().min(1).max(10_000),
  intervalMs: z.number().int().min(0).max(100).default(0),
  /** Filler per tick, to make a lot of data quickly. */
  padBytes: z
    .number()
    .int()
    .min(0)
    .max(128 * 1024)
    .default(0),
});
const CountdownContract = {
  start: defineRequest({
    subject: 'demo.countdown.start',
    request: CountdownRequestSchema,
    response: z.object({ streamId: z.uuid() }),
  }),
  ticks: defineStream({
    name: 'demo.countdown',
    event: z.discriminatedUnion('type', [
      z.object({ seq: SeqSchema, type: z.literal('tick'), n: z.number().int(), pad: z.string().optional() }),
      z.object({ seq: SeqSchema, type: z.literal('done') }),
      streamErrorEvent,
    ]),
    retention: { stream: 'DEMO_COUNTDOWNS' },
  }),
};

// ... and its gateway side: one endpoint and one controller method.
const countdown = defineStreamEndpoint({
  name: 'demo.countdown',
  start: CountdownContract.start,
  stream: CountdownContract.ticks,
});
const CountdownBodySchema = CountdownRequestSchema.omit({ streamId: true });

@Controller('api/v1/demo')
class CountdownController {
  constructor(private readonly relay: StreamRelay) {}

  @Post('countdowns')
  @ApiRoute({ summary: 'Count down (SSE)', tag: 'demo', body: CountdownBodySchema, produces: 'sse' })
  @RelaysStream(countdown)
  async start(
    @Body() body: z.output<typeof CountdownBodySchema>,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
    @RequestCount() requestCount: RequestCountListener,
  ): Promise<void> {
    const { stream } = await this.relay.start(caller, countdown, body, requestCount);
    await sendAsSse(reply, stream);
  }
}

@Module({ imports: [StreamingModule], controllers: [CountdownController] })
class CountdownModule {}

/** Streams the producer has started, by id. */
const started = new Set<string>();
/** The streams it is producing now, by id. */
const producing = new Map<string, StreamWriter<typeof CountdownContract.ticks>>();

/**
 * Counts down, one tick per interval, until done or cancelled. It waits before each tick, if only for
 * a turn of the event loop, as a producer driven by I/O does: the gateway and its clients run in this
 * same process, and a loop that made the whole stream in one go would hold them all up for as long
 * (seconds for hundreds of megabytes on a busy machine).
 */
async function countDown(
  writer: StreamWriter<typeof CountdownContract.ticks>,
  request: z.output<typeof CountdownRequestSchema>,
): Promise<void> {
  for (let n = request.from; n > 0; n--) {
    await new Promise((resolve) =>
      request.intervalMs > 0 ? setTimeout(resolve, request.intervalMs) : setImmediate(resolve),
    );
    if (writer.signal.aborted) {
      return writer.fail({ code: ErrorCode.Cancelled, message: 'Cancelled by its owner' });
    }
    writer.emit({
      type: 'tick',
      n,
      ...(request.padBytes > 0 ? { pad: 'x'.repeat(request.padBytes) } : {}),
    });
  }
  writer.emit({ type: 'done' });
}

/** Stops whatever the producer still produces (as its owner's cancel would), and waits until it has. */
async function stopProducing(): Promise<void> {
  for (const writer of producing.values()) writer.abort('the test is done with it');
  await waitFor(() => producing.size === 0, 'the producer to stop');
}

/** The producing service: answers a start at once, then counts down. */
async function startCountdownService(gateway: TestGateway): Promise<Bus> {
  const bus = await Bus.connect({
    url: gateway.config.NATS_URL,
    name: 'demo',
    subjectPrefix: gateway.config.NATS_SUBJECT_PREFIX,
  });
  await bus.ensureStreamRetention([CountdownContract.ticks], { maxAgeMs: 60_000, maxBytes: 1024 * 1024 });
  bus.serve(
    CountdownContract.start,
    (request, envelope) => {
      const writer = bus.createStreamWriter(CountdownContract.ticks, request.streamId, envelope);
      started.add(request.streamId);
      producing.set(request.streamId, writer);
      void countDown(writer, request).finally(() => producing.delete(request.streamId));
      return { streamId: request.streamId };
    },
    { queue: 'demo' },
  );
  return bus;
}

/** A `/ws` client that keeps every frame, to wait on. */
class Frames {
  readonly all: WsServerFrame[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.all.push(JSON.parse(data.toString())));
  }
  static async open(gateway: TestGateway, token: string): Promise<Frames> {
    const ws = new WebSocket(`${gateway.baseUrl.replace('http', 'ws')}/ws`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const frames = new Frames(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return frames;
  }
  until(predicate: (frames: WsServerFrame[]) => boolean): Promise<void> {
    return waitFor(
      () => predicate(this.all),
      () => `matching frames; got ${JSON.stringify(this.all).slice(0, 2000)}`,
      30_000,
    );
  }
  eventsOf(id: string): { seq: number; type: string; n?: number }[] {
    return this.all.flatMap((f) => (f.type === 'event' && f.id === id ? [f.event] : []));
  }
}

describe('a new service streams through the gateway with one endpoint and one controller method', () => {
  let gateway: TestGateway;
  let producer: Bus;
  let token: string;
  let asOwner: ReturnType<typeof api>;
  let asOther: ReturnType<typeof api>;

  beforeAll(async () => {
    gateway = await startTestGateway({}, [CountdownModule]);
    producer = await startCountdownService(gateway);
    token = (await registerUser(gateway.baseUrl)).accessToken;
    asOwner = api(gateway.baseUrl, token);
    asOther = api(gateway.baseUrl, (await registerUser(gateway.baseUrl)).accessToken);
  });
  afterAll(async () => {
    await stopProducing();
    await producer?.close();
    await gateway?.close();
  });

  it('streams over SSE, and resumes by id for its owner only', async () => {
    const response = await asOwner('/api/v1/demo/countdowns', { body: { from: 3 } });
    expect(response.status).toBe(200);
    const streamId = response.headers.get('x-stream-id') ?? '';
    const messages = [];
    for await (const message of readSse(response.body)) messages.push(message);
    expect(messages.map((m) => [m.id, m.event, JSON.parse(m.data)])).toEqual([
      [`${streamId}:0`, 'tick', { seq: 0, type: 'tick', n: 3 }],
      [`${streamId}:1`, 'tick', { seq: 1, type: 'tick', n: 2 }],
      [`${streamId}:2`, 'tick', { seq: 2, type: 'tick', n: 1 }],
      [`${streamId}:3`, 'done', { seq: 3, type: 'done' }],
    ]);

    const resumed = await asOwner(`/api/v1/streams/${streamId}`, {
      headers: { 'last-event-id': `${streamId}:1` },
    });
    const rest = [];
    for await (const message of readSse(resumed.body)) rest.push(JSON.parse(message.data));
    expect(rest.map((e) => e.seq)).toEqual([2, 3]);
    expect((await asOther(`/api/v1/streams/${streamId}`)).status).toBe(404);
    expect((await asOwner('/api/v1/demo/countdowns', { body: { from: 0 } })).status).toBe(400);
  });

  it('starts over /ws by name, in generic started and event frames', async () => {
    const socket = await Frames.open(gateway, token);
    socket.ws.send(
      JSON.stringify({ type: 'start', id: 'c', stream: 'demo.countdown', request: { from: 2 } }),
    );
    socket.ws.send(
      JSON.stringify({ type: 'start', id: 'bad', stream: 'demo.countdown', request: { from: -1 } }),
    );
    await socket.until(() => socket.eventsOf('c').some((e) => e.type === 'done'));
    await socket.until((frames) => frames.some((f) => f.type === 'error' && f.id === 'bad'));
    const started = socket.all.find((f) => f.type === 'started' && f.id === 'c');
    expect(started).toMatchObject({ streamId: expect.any(String), ack: { streamId: expect.any(String) } });
    expect(socket.eventsOf('c')).toEqual([
      { seq: 0, type: 'tick', n: 2 },
      { seq: 1, type: 'tick', n: 1 },
      { seq: 2, type: 'done' },
    ]);
    expect(socket.all.find((f) => f.type === 'error' && f.id === 'bad')).toMatchObject({
      error: { code: 'VALIDATION_FAILED' },
    });
    socket.ws.close();
  });

  it('cancels by id: 404 to anyone else, 204 to its owner, then 409 once it has ended', async () => {
    const socket = await Frames.open(gateway, token);
    socket.ws.send(
      JSON.stringify({
        type: 'start',
        id: 'long',
        stream: 'demo.countdown',
        request: { from: 10_000, intervalMs: 20 },
      }),
    );
    await socket.until(() => socket.eventsOf('long').length >= 2);
    const started = socket.all.find((f) => f.type === 'started' && f.id === 'long');
    const streamId = started?.type === 'started' ? started.streamId : '';
    expect((await asOther(`/api/v1/streams/${streamId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await asOwner(`/api/v1/streams/${streamId}`, { method: 'DELETE' })).status).toBe(204);
    await socket.until(() => socket.eventsOf('long').some((e) => e.type === 'error'));
    expect(socket.eventsOf('long').at(-1)).toMatchObject({ type: 'error', error: { code: 'CANCELLED' } });
    expect((await asOwner(`/api/v1/streams/${streamId}`, { method: 'DELETE' })).status).toBe(409);
    socket.ws.close();
  });

  it('detaches a /ws stream: no more of its frames, its slot free at once, and it goes on to be resumed', async () => {
    const relays = gateway.app.get(Bus);
    const socket = await Frames.open(gateway, token);
    await socket.until((frames) => frames.some((f) => f.type === 'ready'));
    const readersBefore = relays.activeStreamReaders;
    socket.ws.send(
      JSON.stringify({
        type: 'start',
        id: 'left',
        stream: 'demo.countdown',
        request: { from: 40, intervalMs: 20 },
      }),
    );
    await socket.until(() => socket.eventsOf('left').length >= 2);
    const startedFrame = socket.all.find((f) => f.type === 'started' && f.id === 'left');
    const streamId = startedFrame?.type === 'started' ? startedFrame.streamId : '';
    socket.ws.send(JSON.stringify({ type: 'detach', id: 'left' }));
    await waitFor(() => relays.activeStreamReaders === readersBefore, 'the relay to stop');
    // The producer went on: the stream resumes whole on the same socket.
    const seen = socket.eventsOf('left').length;
    socket.ws.send(JSON.stringify({ type: 'resume', id: 'again', streamId, lastSeq: -1 }));
    await socket.until(() => socket.eventsOf('again').some((e) => e.type === 'done'));
    expect(socket.eventsOf('again').map((e) => e.seq)).toEqual([...Array(41).keys()]);
    expect(socket.eventsOf('left').length).toBe(seen);
    expect(socket.eventsOf('left').every((e) => e.type === 'tick')).toBe(true);
    // Nothing to detach: an error frame for that id, and the connection goes on.
    socket.ws.send(JSON.stringify({ type: 'detach', id: 'nothing' }));
    await socket.until((frames) => frames.some((f) => f.type === 'error' && f.id === 'nothing'));
    expect(socket.all.find((f) => f.type === 'error' && f.id === 'nothing')).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
    socket.ws.send(JSON.stringify({ type: 'ping' }));
    await socket.until((frames) => frames.some((f) => f.type === 'pong'));
    socket.ws.close();
  });

  it('cuts off an SSE client that lets 8 MiB pile up unread, instead of buffering it all', async () => {
    // More than loopback's socket buffers can hold (up to 32 MiB received, 4 MiB sent) plus the 8 MiB.
    const ticks = 700;
    const padBytes = 100 * 1024;
    const request = httpRequest(`${gateway.baseUrl}/api/v1/demo/countdowns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    request.end(JSON.stringify({ from: ticks, padBytes }));
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    response.pause(); // a client that stops reading
    expect(response.statusCode).toBe(200);
    // The gateway stops relaying once it gives up on the client (or, wrongly, once the stream ended);
    // the producer goes on, so it is stopped here once it has shown what it had to.
    const relays = gateway.app.get(Bus);
    await waitFor(() => relays.activeStreamReaders === 0, 'the gateway to stop relaying', 60_000);
    await stopProducing();
    let received = 0;
    let text = '';
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      text = (text + chunk.toString('latin1')).slice(-200);
    });
    response.resume();
    await new Promise((resolve) => {
      response.once('end', resolve).once('close', resolve).once('error', resolve);
    });
    // Cut off mid-stream: no terminal event of any kind at the end.
    expect(received).toBeLessThan(ticks * padBytes);
    expect(text).not.toContain('event: done');
    expect(text).not.toContain('event: error');
  });

  it('closes a WebSocket that lets 8 MiB pile up unread with 1008, and stops relaying to it', async () => {
    const ticks = 700;
    const socket = await Frames.open(gateway, token);
    await socket.until((frames) => frames.some((f) => f.type === 'ready'));
    let closeCode: number | null = null;
    socket.ws.once('close', (code) => (closeCode = code));
    socket.ws.pause(); // a client that stops reading
    const startedBefore = started.size;
    socket.ws.send(
      JSON.stringify({
        type: 'start',
        id: 'big',
        stream: 'demo.countdown',
        request: { from: ticks, padBytes: 100 * 1024 },
      }),
    );
    // The gateway stops relaying once it gives up on the client (or, wrongly, once the stream ended).
    const relays = gateway.app.get(Bus);
    await waitFor(
      () => started.size > startedBefore && relays.activeStreamReaders === 0,
      'the gateway to stop relaying',
      60_000,
    );
    await stopProducing();
    socket.ws.resume();
    await waitFor(
      () => closeCode !== null,
      () => `the socket to close; got ${JSON.stringify(socket.all).slice(0, 2000)}`,
      60_000,
    );
    expect(closeCode).toBe(1008);
    expect(socket.eventsOf('big').length).toBeLessThan(ticks);
    expect(socket.eventsOf('big').some((e) => e.type === 'done')).toBe(false);
  });
});
