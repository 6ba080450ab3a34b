import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ChatContract, defineEvent, defineRequest, DomainError, ErrorCode } from '@conduit/contracts';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import {
  Bus,
  BusInstrumentation,
  BusOperation,
  BusOutcome,
  BusStreamObserver,
  combineBusInstrumentations,
  StreamEnd,
} from '../src';

const Echo = defineRequest({
  subject: 'test.instrumented.echo',
  request: z.strictObject({ text: z.string().min(1) }),
  response: z.object({ text: z.string(), marker: z.string().nullable() }),
});
const Happened = defineEvent({ subject: 'test.instrumented.happened', payload: z.object({ n: z.number() }) });
const Stream = ChatContract.completionStream;
const alice = { userId: 'user-alice' };

type Call =
  | {
      hook: 'request' | 'publish' | 'serve' | 'event';
      subject: string;
      outcome?: BusOutcome;
      queue?: string | null;
      marker?: string | null;
    }
  | { hook: 'stream'; role: string; streamId: string; events: string[]; end?: StreamEnd };

/**
 * Records every hook, and passes a marker header from the outgoing side to the incoming one (as a
 * trace propagator would), so the test sees what the handler side receives.
 */
class RecordingInstrumentation implements BusInstrumentation {
  readonly calls: Call[] = [];
  running: string | null = null;

  onRequest(m: { subject: string; headers: { set(k: string, v: string): void } }): BusOperation {
    m.headers.set('x-test-marker', `marker-${m.subject}`);
    return this.operation({ hook: 'request', subject: m.subject });
  }
  onPublish(m: { subject: string }): BusOperation {
    return this.operation({ hook: 'publish', subject: m.subject });
  }
  onServe(m: { subject: string; queue: string | null; headers?: { get(k: string): string } }): BusOperation {
    return this.operation({
      hook: 'serve',
      subject: m.subject,
      queue: m.queue,
      marker: m.headers?.get('x-test-marker') || null,
    });
  }
  onEvent(m: { subject: string; queue: string | null }): BusOperation {
    return this.operation({ hook: 'event', subject: m.subject, queue: m.queue });
  }
  onStreamProduce(s: { streamId: string }): BusStreamObserver {
    return this.stream('produce', s.streamId);
  }
  onStreamConsume(s: { streamId: string }): BusStreamObserver {
    return this.stream('consume', s.streamId);
  }

  private operation(call: Call & { outcome?: BusOutcome }): BusOperation {
    this.calls.push(call);
    return {
      run: (fn) => {
        const before = this.running;
        this.running = `${call.hook} ${'subject' in call ? call.subject : ''}`;
        try {
          return fn();
        } finally {
          this.running = before;
        }
      },
      end: (outcome) => void (call.outcome = outcome),
    };
  }

  private stream(role: string, streamId: string): BusStreamObserver {
    const call: Call = { hook: 'stream', role, streamId, events: [] };
    this.calls.push(call);
    return {
      run: (fn) => fn(),
      event: (e) => call.events.push(e.type),
      end: (how) => void (call.end = how),
    };
  }
}

describe('Bus instrumentation hooks (no OpenTelemetry involved)', () => {
  let client: Bus;
  let server: Bus;
  const clientHooks = new RecordingInstrumentation();
  const serverHooks = new RecordingInstrumentation();
  let seenWhileHandling: string | null = null;

  beforeAll(async () => {
    const { subjectPrefix } = isolatedNamespace('businstr');
    const options = {
      url: testEnv().natsUrl,
      subjectPrefix,
      streamHeartbeatMs: 100,
      streamIdleTimeoutMs: 600,
    };
    client = await Bus.connect({ ...options, name: 'client', instrumentation: clientHooks });
    server = await Bus.connect({ ...options, name: 'server', instrumentation: serverHooks });
    server.serve(
      Echo,
      (payload, envelope) => {
        seenWhileHandling = serverHooks.running;
        if (payload.text === 'conflict') throw new DomainError(ErrorCode.Conflict, 'taken');
        return { text: payload.text, marker: envelope.messageId ? 'ok' : null };
      },
      { queue: 'echo' },
    );
    server.subscribeEvent(Happened, () => undefined, { queue: 'watchers' });
    await server.connection.flush();
  });
  afterAll(async () => {
    await Promise.all([client.close(), server.close()]);
  });

  it('wraps a request on both sides, carries headers the hook wrote, and reports each outcome', async () => {
    await client.request(Echo, { text: 'hi' }, alice);
    await expect(client.request(Echo, { text: 'conflict' }, alice)).rejects.toMatchObject({
      code: ErrorCode.Conflict,
    });

    const sent = clientHooks.calls.filter((c) => c.hook === 'request');
    expect(sent).toEqual([
      { hook: 'request', subject: Echo.subject, outcome: { ok: true } },
      {
        hook: 'request',
        subject: Echo.subject,
        outcome: { ok: false, error: expect.objectContaining({ code: ErrorCode.Conflict }) },
      },
    ]);
    const served = serverHooks.calls.filter((c) => c.hook === 'serve');
    expect(served).toEqual([
      {
        hook: 'serve',
        subject: Echo.subject,
        queue: 'echo',
        marker: `marker-${Echo.subject}`,
        outcome: { ok: true },
      },
      {
        hook: 'serve',
        subject: Echo.subject,
        queue: 'echo',
        marker: `marker-${Echo.subject}`,
        outcome: { ok: false, error: expect.objectContaining({ code: ErrorCode.Conflict }) },
      },
    ]);
    // The handler ran inside the serve operation.
    expect(seenWhileHandling).toBe(`serve ${Echo.subject}`);
  });

  it('reports a request nobody answers with its error code', async () => {
    const Nobody = defineRequest({
      subject: 'test.instrumented.nobody',
      request: z.object({}),
      response: z.object({}),
    });
    await expect(client.request(Nobody, {}, alice)).rejects.toBeInstanceOf(DomainError);
    expect(clientHooks.calls.at(-1)).toEqual({
      hook: 'request',
      subject: Nobody.subject,
      outcome: { ok: false, error: expect.objectContaining({ code: ErrorCode.ServiceUnavailable }) },
    });
  });

  it('wraps published and received events', async () => {
    await client.publish(Happened, { n: 1 }, alice);
    await waitFor(() => serverHooks.calls.some((c) => c.hook === 'event'), 'the event hook');
    expect(clientHooks.calls.filter((c) => c.hook === 'publish')).toEqual([
      { hook: 'publish', subject: Happened.subject, outcome: { ok: true } },
    ]);
    expect(serverHooks.calls.filter((c) => c.hook === 'event')).toEqual([
      { hook: 'event', subject: Happened.subject, queue: 'watchers', outcome: { ok: true } },
    ]);
  });

  it('observes a stream on both sides: every event, and how it ended', async () => {
    const streamId = randomUUID();
    const reader = client.openStream(Stream, streamId);
    await client.connection.flush();
    const writer = server.createStreamWriter(Stream, streamId, alice);
    let insideStream = false;
    writer.run(() => (insideStream = true));
    writer.emit({ type: 'delta', text: 'a' });
    writer.emit({ type: 'delta', text: 'b' });
    const usage = { inputTokens: 1, outputTokens: 2, cachedTokens: 0, estimated: false };
    writer.emit({
      type: 'done',
      model: 'openai/gpt-4o-mini',
      finishReason: 'stop',
      usage,
      costUsd: 0,
      messageId: null,
    });
    await reader.collect();

    expect(insideStream).toBe(true);
    const produced = serverHooks.calls.find((c) => c.hook === 'stream' && c.streamId === streamId);
    const consumed = clientHooks.calls.find((c) => c.hook === 'stream' && c.streamId === streamId);
    for (const [call, role] of [
      [produced, 'produce'],
      [consumed, 'consume'],
    ] as const) {
      expect(call).toMatchObject({
        role,
        events: ['delta', 'delta', 'done'],
        end: { type: 'terminal', event: expect.objectContaining({ type: 'done', seq: 2 }) },
      });
    }
  });

  it('ends a consumed stream as closed when the consumer leaves, and as error when the producer goes silent', async () => {
    const left = client.openStream(Stream, randomUUID());
    left.close();
    const silent = client.openStream(Stream, randomUUID());
    await expect(silent.collect()).rejects.toMatchObject({ code: ErrorCode.StreamLost });

    const ends = clientHooks.calls.filter(
      (c): c is Extract<Call, { hook: 'stream' }> =>
        c.hook === 'stream' && (c.streamId === left.streamId || c.streamId === silent.streamId),
    );
    expect(ends.map((c) => c.end)).toEqual([
      { type: 'closed' },
      {
        type: 'terminal',
        event: expect.objectContaining({
          type: 'error',
          error: expect.objectContaining({ code: ErrorCode.StreamLost }),
        }),
      },
    ]);
  });

  it('combines instrumentations: each sees every hook, and run nests them', async () => {
    const order: string[] = [];
    const tagged = (tag: string): BusInstrumentation => {
      const operation = (): BusOperation => ({
        run: (fn) => {
          order.push(`${tag} in`);
          try {
            return fn();
          } finally {
            order.push(`${tag} out`);
          }
        },
        end: () => order.push(`${tag} end`),
      });
      const stream = (): BusStreamObserver => ({
        run: (fn) => fn(),
        event: () => undefined,
        end: () => undefined,
      });
      return {
        onRequest: operation,
        onPublish: operation,
        onServe: operation,
        onEvent: operation,
        onStreamProduce: stream,
        onStreamConsume: stream,
      };
    };
    const combined = combineBusInstrumentations(tagged('a'), tagged('b'));
    const op = combined.onServe({ subject: 's', headers: undefined, queue: null });
    op.run(() => order.push('work'));
    op.end({ ok: true });
    expect(order).toEqual(['a in', 'b in', 'work', 'b out', 'a out', 'a end', 'b end']);
  });
});
