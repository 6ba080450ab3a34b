import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { startTracing } from '@conduit/service-kit';
import { readSse, waitFor } from '@conduit/testing';
import { startTestChat, type ChatTestService } from '@conduit/chat/test/support/chat-test-service';
import {
  registerUser,
  startTestGateway,
  type RegisteredUser,
  type TestGateway,
} from '@conduit/gateway/test/support/gateway-test-app';
import { instrumentModulesLoadedByJest } from './support/jest-instrumentation';

// Before anything opens a socket: every span of this process lands in memory.
const exporter = new InMemorySpanExporter();
const tracing = startTracing({
  serviceName: 'conduit-e2e',
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
const uninstrument = instrumentModulesLoadedByJest(tracing);

const MESSAGE_ROUTE = '/api/v1/chat/sessions/:sessionId/messages';

/**
 * The real gateway and the real chat service in one process, over the real NATS and Postgres, with a
 * fake OpenAI server behind the real SDK: one chat message is one trace across every hop.
 */
describe('one trace from the gateway to the database', () => {
  let gateway: TestGateway;
  let chat: ChatTestService;
  let user: RegisteredUser;

  beforeAll(async () => {
    gateway = await startTestGateway();
    chat = await startTestChat({ NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX });
    user = await registerUser(gateway.baseUrl);
  });
  afterAll(async () => {
    await gateway?.close();
    await chat?.close();
    await tracing.shutdown();
    uninstrument();
  });

  it('follows a streamed chat message through HTTP, NATS, the chat handler, the provider and Postgres', async () => {
    const session = await post(`/api/v1/chat/sessions`, { title: 'Traced' });
    expect(session.status).toBe(201);
    const { id: sessionId } = (await session.json()) as { id: string };
    exporter.reset();

    const response = await post(`/api/v1/chat/sessions/${sessionId}/messages`, { content: 'Hello?' });
    expect(response.status).toBe(200);
    const streamId = response.headers.get('x-stream-id')!;
    const events = [];
    for await (const message of readSse(response.body))
      events.push(JSON.parse(message.data) as { type: string });
    expect(events.at(-1)?.type).toBe('done');

    const spans = await waitForSpans((all) => {
      const root = all.find((s) => s.name === `POST ${MESSAGE_ROUTE}`);
      return root !== undefined && all.some((s) => s.name === 'consume stream chat.completion');
    });
    const server = only(spans, (s) => s.name === `POST ${MESSAGE_ROUTE}` && s.kind === SpanKind.SERVER);
    const traceId = server.spanContext().traceId;
    const trace = spans.filter((s) => s.spanContext().traceId === traceId);
    const parentOf = (span: ReadableSpan) =>
      trace.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);
    const isUnder = (span: ReadableSpan, ancestor: ReadableSpan): boolean => {
      for (let p = parentOf(span); p; p = parentOf(p)) if (p === ancestor) return true;
      return false;
    };

    expect(server.attributes['http.route']).toBe(MESSAGE_ROUTE);
    // gateway HTTP server span → NATS request span
    const request = only(trace, (s) => s.name === 'send chat.completion.start');
    expect(request.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(request)).toBe(server);
    expect(request.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.template': 'chat.completion.start',
      'messaging.client.id': 'gateway',
    });
    // → the chat service's handler span, parented across NATS
    const handler = only(trace, (s) => s.name === 'process chat.completion.start');
    expect(handler.kind).toBe(SpanKind.SERVER);
    expect(parentOf(handler)).toBe(request);
    expect(handler.attributes).toMatchObject({
      'messaging.client.id': 'chat',
      'messaging.consumer.group.name': 'chat',
    });
    // → the stream it produces, a span for its whole life
    const produced = only(trace, (s) => s.name === 'produce stream chat.completion');
    expect(parentOf(produced)).toBe(handler);
    expect(produced.attributes).toMatchObject({
      'conduit.stream.id': streamId,
      'conduit.stream.event_count': events.length,
      'conduit.stream.outcome': 'done',
    });
    // → the provider call and its HTTP request to the (fake) OpenAI server
    const provider = only(trace, (s) => s.name === 'chat gpt-4o-mini');
    expect(provider.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(provider)).toBe(produced);
    expect(provider.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai' });
    const providerHttp = only(
      trace,
      (s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).startsWith(chat.openai.url),
    );
    expect(parentOf(providerHttp)).toBe(provider);
    // → Postgres: the handler's reads and writes, and the answer saved at the end of the stream
    const queries = trace.filter(
      (s) => s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql',
    );
    expect(queries.filter((q) => isUnder(q, handler) && !isUnder(q, produced)).length).toBeGreaterThan(0);
    expect(queries.filter((q) => isUnder(q, produced)).length).toBeGreaterThan(0);
    // The gateway's side of the stream: opened in the HTTP request, ended by the relayed done event.
    const consumed = only(trace, (s) => s.name === 'consume stream chat.completion');
    expect(parentOf(consumed)).toBe(server);
    expect(consumed.attributes).toMatchObject({
      'conduit.stream.id': streamId,
      'conduit.stream.event_count': events.length,
      'conduit.stream.outcome': 'done',
    });
    // Nothing of that request went to another trace.
    expect(
      spans
        .filter((s) => s.attributes['conduit.stream.id'] === streamId)
        .every((s) => s.spanContext().traceId === traceId),
    ).toBe(true);
  });

  function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${gateway.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
});

async function waitForSpans(done: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  await waitFor(
    () => done(exporter.getFinishedSpans()),
    () =>
      `the request's spans; finished: ${exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .join(', ')}`,
  );
  return exporter.getFinishedSpans();
}

function only(spans: ReadableSpan[], match: (span: ReadableSpan) => boolean): ReadableSpan {
  const found = spans.filter(match);
  if (found.length !== 1) {
    const names = spans.map((s) => `${s.name} [${SpanKind[s.kind]}]`).join('\n  ');
    throw new Error(`expected exactly one matching span, found ${found.length} among:\n  ${names}`);
  }
  return found[0]!;
}
