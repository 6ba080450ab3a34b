import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import { ChatContract, defineRequest } from '@conduit/contracts';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { busInstrumentationFor, startTracing, traceContextMixin } from '../src';

const exporter = new InMemorySpanExporter();
const tracing = startTracing({
  serviceName: 'bus-tracing-test',
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});

const Ping = defineRequest({
  subject: 'test.traced.ping',
  request: z.object({}),
  response: z.object({ traceId: z.string().nullable() }),
});
const alice = { userId: 'user-alice' };

/** OpenTelemetry over the real NATS: context crosses in headers and each side makes its own spans. */
describe('tracing across NATS', () => {
  let client: Bus;
  let server: Bus;
  const logLines: Record<string, unknown>[] = [];
  const logger = pino(
    { mixin: traceContextMixin },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );

  beforeAll(async () => {
    const { subjectPrefix } = isolatedNamespace('tracing');
    const options = { url: testEnv().natsUrl, subjectPrefix, streamHeartbeatMs: 100 };
    client = await Bus.connect({
      ...options,
      name: 'gateway',
      instrumentation: busInstrumentationFor('gateway'),
    });
    server = await Bus.connect({ ...options, name: 'chat', instrumentation: busInstrumentationFor('chat') });
    server.serve(
      Ping,
      () => {
        logger.info('handling ping');
        return { traceId: trace.getActiveSpan()?.spanContext().traceId ?? null };
      },
      { queue: 'chat' },
    );
    await server.connection.flush();
  });
  afterAll(async () => {
    await Promise.all([client.close(), server.close()]);
    await tracing.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('parents the handler span on the request span, across the wire, inside the caller trace', async () => {
    const tracer = trace.getTracer('test');
    const incoming = tracer.startSpan('POST /things', { kind: SpanKind.SERVER });
    const answer = await context.with(trace.setSpan(context.active(), incoming), () =>
      client.request(Ping, {}, alice),
    );
    incoming.end();

    const traceId = incoming.spanContext().traceId;
    expect(answer.traceId).toBe(traceId);
    const request = await one((s) => s.name === 'send test.traced.ping');
    const handler = await one((s) => s.name === 'process test.traced.ping');
    expect(request.kind).toBe(SpanKind.CLIENT);
    expect(request.parentSpanContext?.spanId).toBe(incoming.spanContext().spanId);
    expect(handler.kind).toBe(SpanKind.SERVER);
    expect(handler.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(handler.spanContext().traceId).toBe(traceId);
    expect(handler.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.destination.name': 'test.traced.ping',
      'messaging.consumer.group.name': 'chat',
      'messaging.client.id': 'chat',
    });
    // A log line written by the handler names its trace and span.
    expect(logLines.at(-1)).toMatchObject({
      msg: 'handling ping',
      trace_id: traceId,
      span_id: handler.spanContext().spanId,
    });
  });

  it('continues a trace whose context came only as a traceparent (no active span on the caller side)', async () => {
    const carrier: Record<string, string> = {};
    const remote = trace.getTracer('test').startSpan('upstream');
    propagation.inject(trace.setSpan(context.active(), remote), carrier);
    remote.end();
    const answer = await context.with(propagation.extract(context.active(), carrier), () =>
      client.request(Ping, {}, alice),
    );
    expect(answer.traceId).toBe(remote.spanContext().traceId);
  });

  it('marks failed requests as errors with the error code', async () => {
    const Missing = defineRequest({
      subject: 'test.traced.missing',
      request: z.object({}),
      response: z.object({}),
    });
    await expect(client.request(Missing, {}, alice)).rejects.toBeDefined();
    const span = await one((s) => s.name === 'send test.traced.missing');
    expect(span.status.code).toBe(2); // ERROR
    expect(span.attributes['error.type']).toBe('SERVICE_UNAVAILABLE');
  });

  it('makes each side of a stream one span, from its start to the terminal event', async () => {
    const streamId = randomUUID();
    const reader = client.openStream(ChatContract.completionStream, streamId);
    await client.connection.flush();
    const writer = server.createStreamWriter(ChatContract.completionStream, streamId, alice);
    const insideStream = writer.run(() => trace.getActiveSpan()?.spanContext().spanId);
    writer.emit({ type: 'delta', text: 'hello' });
    writer.fail({ code: 'PROVIDER_TIMEOUT', message: 'too slow' });
    await expect(reader.collect()).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });

    const produced = await one((s) => s.name === 'produce stream chat.completion');
    const consumed = await one((s) => s.name === 'consume stream chat.completion');
    expect(insideStream).toBe(produced.spanContext().spanId);
    for (const span of [produced, consumed]) {
      expect(span.attributes).toMatchObject({
        'conduit.stream.id': streamId,
        'conduit.stream.event_count': 2,
        'conduit.stream.outcome': 'error',
        'error.type': 'PROVIDER_TIMEOUT',
      });
      expect(span.status.code).toBe(2);
    }
    expect(produced.kind).toBe(SpanKind.PRODUCER);
    expect(consumed.kind).toBe(SpanKind.CONSUMER);
  });
});

/**
 * The one finished span that matches. Spans end, and reach the exporter, after the answer that a test
 * awaits has already left (the handler's span closes once its reply is written), so wait for it.
 */
async function one(match: (span: ReadableSpan) => boolean): Promise<ReadableSpan> {
  const matching = () => exporter.getFinishedSpans().filter(match);
  await waitFor(() => matching().length > 0, 'the span to be exported');
  const spans = matching();
  if (spans.length !== 1) throw new Error(`expected one span, found ${spans.length}`);
  return spans[0]!;
}
