import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ChatContract,
  defineRequest,
  DomainError,
  EnvelopeHeader,
  ErrorCode,
  streamEventsSubject,
} from '@conduit/contracts';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import { Bus, decodeJson, encodeJson } from '../src';

const Echo = defineRequest({
  subject: 'test.echo.run',
  request: z.strictObject({ text: z.string().min(1) }),
  response: z.object({ text: z.string(), userId: z.string().nullable() }),
});
const Stream = ChatContract.completionStream;
const alice = { userId: 'user-alice' };
const bob = { userId: 'user-bob' };

const Sized = defineRequest({
  subject: 'test.sized.run',
  request: z.strictObject({ bytes: z.number().int().nonnegative() }),
  response: z.object({ text: z.string() }),
});
const Upload = defineRequest({
  subject: 'test.upload.run',
  request: z.strictObject({ text: z.string() }),
  response: z.object({ received: z.number() }),
});

/** A bus logger that remembers what it was told, to check that failures are logged. */
function recordingLogger() {
  const entries: { level: 'warn' | 'error'; message: string; context?: Record<string, unknown> }[] = [];
  return {
    entries,
    logger: {
      warn: (message: string, context?: Record<string, unknown>) =>
        entries.push({ level: 'warn', message, ...(context ? { context } : {}) }),
      error: (message: string, context?: Record<string, unknown>) =>
        entries.push({ level: 'error', message, ...(context ? { context } : {}) }),
    },
  };
}

describe('Bus over a real NATS server', () => {
  let client: Bus;
  let server: Bus;
  const clientLog = recordingLogger();
  const serverLog = recordingLogger();

  beforeAll(async () => {
    const { subjectPrefix } = isolatedNamespace('bus');
    const options = {
      url: testEnv().natsUrl,
      subjectPrefix,
      streamHeartbeatMs: 100,
      streamIdleTimeoutMs: 600,
    };
    client = await Bus.connect({ ...options, name: 'test-client', logger: clientLog.logger });
    server = await Bus.connect({ ...options, name: 'test-server', logger: serverLog.logger });
  });
  afterAll(async () => {
    await Promise.all([client.close(), server.close()]);
  });

  describe('request/reply', () => {
    beforeAll(async () => {
      server.serve(
        Echo,
        (payload, envelope) => {
          if (payload.text === 'domain') throw new DomainError(ErrorCode.Conflict, 'already there');
          if (payload.text === 'crash') throw new Error('database password is hunter2');
          return { text: payload.text, userId: envelope.userId };
        },
        { queue: 'echo' },
      );
      await server.connection.flush();
    });

    it('carries the payload and the caller in the envelope', async () => {
      await expect(client.request(Echo, { text: 'hi' }, alice)).resolves.toEqual({
        text: 'hi',
        userId: 'user-alice',
      });
    });

    it('rejects invalid payloads before sending, naming the field', async () => {
      const failure = client.request(Echo, { text: '' }, alice);
      await expect(failure).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
      await expect(failure).rejects.toThrow(/text/);
    });

    it('answers garbage and schema violations from raw clients with a typed error', async () => {
      const subject = client.subject(Echo.subject);
      for (const body of [
        new TextEncoder().encode('{not json'),
        encodeJson({ text: 3 }),
        encodeJson({ text: 'a', extra: 1 }),
      ]) {
        const reply = decodeJson((await client.connection.request(subject, body, { timeout: 2_000 })).data);
        expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.ValidationFailed } });
      }
    });

    it('passes domain errors through and hides internal ones, staying up afterwards', async () => {
      await expect(client.request(Echo, { text: 'domain' }, alice)).rejects.toMatchObject({
        code: ErrorCode.Conflict,
      });
      const internal = client.request(Echo, { text: 'crash' }, alice);
      await expect(internal).rejects.toMatchObject({ code: ErrorCode.Internal, message: 'Internal error' });
      await expect(client.request(Echo, { text: 'still here' }, alice)).resolves.toMatchObject({
        text: 'still here',
      });
    });

    describe('over the server payload limit', () => {
      let uploads = 0;
      beforeAll(async () => {
        server.serve(Sized, (payload) => ({ text: 'x'.repeat(payload.bytes) }), { queue: 'sized' });
        server.serve(
          Upload,
          (payload) => {
            uploads += 1;
            return { received: payload.text.length };
          },
          { queue: 'upload' },
        );
        await server.connection.flush();
      });

      it('answers a reply too large to send with a typed error at once, and logs it', async () => {
        const maxPayload = server.connection.info?.max_payload ?? 0;
        expect(maxPayload).toBeGreaterThan(0);
        // Fails on a bus that lets the send error go: the caller then waits out its timeout (TIMEOUT).
        await expect(
          client.request(Sized, { bytes: maxPayload + 1 }, alice, { timeoutMs: 5_000 }),
        ).rejects.toMatchObject({ code: ErrorCode.Internal, message: 'The answer was too large to send' });
        expect(serverLog.entries).toContainEqual(
          expect.objectContaining({
            level: 'error',
            message: 'reply exceeds the bus payload limit',
            context: expect.objectContaining({ subject: Sized.subject, maxBytes: maxPayload }),
          }),
        );
        await expect(client.request(Sized, { bytes: 10 }, alice)).resolves.toEqual({ text: 'x'.repeat(10) });
      });

      it('refuses a request too large for the bus as PAYLOAD_TOO_LARGE before sending it', async () => {
        const maxPayload = client.connection.info?.max_payload ?? 0;
        const failure = client.request(Upload, { text: 'y'.repeat(maxPayload) }, alice);
        await expect(failure).rejects.toMatchObject({
          code: ErrorCode.PayloadTooLarge,
          details: { maxBytes: maxPayload },
        });
        expect(uploads).toBe(0);
        await expect(client.request(Upload, { text: 'small' }, alice)).resolves.toEqual({ received: 5 });
      });
    });

    it('reports a subject nobody serves as SERVICE_UNAVAILABLE, not as a timeout', async () => {
      const nobody = { ...Echo, subject: 'test.nobody.home' };
      await expect(client.request(nobody, { text: 'x' }, alice)).rejects.toMatchObject({
        code: ErrorCode.ServiceUnavailable,
      });
    });
  });

  describe('streams', () => {
    it('delivers every event in order and ends with exactly one terminal event', async () => {
      const streamId = randomUUID();
      const reader = client.openStream(Stream, streamId);
      await client.connection.flush();
      const writer = server.createStreamWriter(Stream, streamId, alice);
      for (let i = 0; i < 50; i++) writer.emit({ type: 'delta', text: `t${i} ` });
      writer.emit({
        type: 'done',
        model: 'offline/echo',
        finishReason: 'stop',
        costUsd: 0,
        messageId: null,
        usage: { inputTokens: 1, outputTokens: 50, cachedTokens: 0, estimated: true },
      });
      writer.emit({ type: 'delta', text: 'after the end' });
      const events = [];
      for await (const event of reader) events.push(event);
      expect(events.map((e) => e.seq)).toEqual([...Array(51).keys()]);
      expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
      expect(events.at(-1)?.type).toBe('done');
    });

    it('keeps a quiet stream alive with heartbeats', async () => {
      const streamId = randomUUID();
      const reader = client.openStream(Stream, streamId);
      await client.connection.flush();
      // Silence for more than twice the idle timeout (600 ms), seen on the wire as the heartbeats that
      // fill it (one per 100 ms while quiet): the time itself is what the reader must outlast.
      let heartbeats = 0;
      const wire = client.connection.subscribe(client.subject(streamEventsSubject(Stream, streamId)), {
        callback: (_err, msg) => {
          if (msg.headers?.has(EnvelopeHeader.StreamHeartbeat)) heartbeats += 1;
        },
      });
      await client.connection.flush();
      const writer = server.createStreamWriter(Stream, streamId, alice);
      await waitFor(
        () => heartbeats >= 13,
        () => `13 heartbeats, seen ${heartbeats}`,
      );
      wire.unsubscribe();
      writer.fail({ code: ErrorCode.Cancelled, message: 'bye' });
      const events = [];
      for await (const event of reader) events.push(event);
      expect(events).toEqual([
        { seq: 0, type: 'error', error: { code: ErrorCode.Cancelled, message: 'bye' } },
      ]);
    });

    it('ends with STREAM_LOST when the producer goes silent', async () => {
      const reader = client.openStream(Stream, randomUUID());
      const events = [];
      for await (const event of reader) events.push(event);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'error',
          error: expect.objectContaining({ code: ErrorCode.StreamLost }),
        }),
      ]);
    });

    it('resumes a kept stream after a given seq, then follows it live to its end', async () => {
      await server.ensureStreamRetention([Stream], { maxAgeMs: 60_000, maxBytes: 1024 * 1024 });
      const streamId = randomUUID();
      const writer = server.createStreamWriter(Stream, streamId, alice);
      for (let i = 0; i < 5; i++) writer.emit({ type: 'delta', text: `t${i} ` });
      // JetStream stores published events a moment after NATS has them: resume once the stream holds one.
      let resumed: Awaited<ReturnType<typeof client.resumeStream<typeof Stream>>> | undefined;
      await waitFor(async () => {
        resumed = await client.resumeStream(Stream, streamId, 2).catch(() => undefined);
        return resumed !== undefined;
      }, 'the stream to be kept');
      const events: { seq: number; type: string }[] = [];
      const reading = (async () => {
        for await (const event of resumed!) events.push(event);
      })();
      // The kept events are read before the next one is written, so that one arrives live.
      await waitFor(
        () => events.length === 2,
        () => `the kept events after seq 2, got ${JSON.stringify(events)}`,
      );
      writer.emit({ type: 'delta', text: 'live ' });
      writer.fail({ code: ErrorCode.Cancelled, message: 'end' });
      await reading;
      expect(events.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
      expect(events.at(-1)?.type).toBe('error');
      await expect(client.resumeStream(Stream, randomUUID(), 0)).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
    });

    it('lets only the owner cancel, reaching the producing replica', async () => {
      const streamId = randomUUID();
      const writer = server.createStreamWriter(Stream, streamId, alice);
      await server.connection.flush();
      await expect(client.cancelStream(Stream, streamId, bob)).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
      expect(writer.signal.aborted).toBe(false);
      await client.cancelStream(Stream, streamId, alice);
      expect(writer.signal.aborted).toBe(true);
      writer.fail({ code: ErrorCode.Cancelled, message: 'stopped' });
      // The writer drops its cancel subscription at once; a busy server may not have processed that
      // yet when the next request arrives (it would then time out instead of finding no responder).
      await server.connection.flush();
      await expect(client.cancelStream(Stream, streamId, alice)).rejects.toMatchObject({
        code: ErrorCode.ServiceUnavailable,
      });
    });
  });
});
