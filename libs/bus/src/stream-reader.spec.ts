import type { Msg, Subscription } from 'nats';
import { z } from 'zod';
import { defineStream, isTextDeltaEvent } from '@conduit/contracts';
import { encodeJson } from './codec';
import { StreamReader } from './stream-reader';

const TestStream = defineStream({
  name: 'test.stream',
  event: z.discriminatedUnion('type', [
    z.object({ seq: z.number(), type: z.literal('delta'), text: z.string() }),
    z.object({ seq: z.number(), type: z.literal('done') }),
    z.object({ seq: z.number(), type: z.literal('error'), error: z.unknown() }),
  ]),
});

function reader() {
  const subscription = { unsubscribe: jest.fn() } as unknown as Subscription;
  return new StreamReader(TestStream, 'stream-1', { idleTimeoutMs: 1_000 }, subscription, () => undefined);
}
const message = (event: unknown) => ({ data: encodeJson(event) }) as unknown as Msg;

describe('StreamReader.onFinished', () => {
  it('runs once when the terminal event arrives, before the consumer has read it', () => {
    const stream = reader();
    const finished = jest.fn();
    stream.onFinished(finished);
    stream.handleMessage(message({ seq: 0, type: 'delta', text: 'hi' }));
    expect(finished).not.toHaveBeenCalled();
    stream.handleMessage(message({ seq: 1, type: 'done' }));
    stream.close();
    expect(finished).toHaveBeenCalledTimes(1);
  });

  it('runs once when the consumer closes the stream, and at once for a listener added afterwards', () => {
    const stream = reader();
    const first = jest.fn();
    stream.onFinished(first);
    stream.close();
    stream.close();
    stream.failLocally({ code: 'INTERNAL', message: 'late' });
    expect(first).toHaveBeenCalledTimes(1);
    const late = jest.fn();
    stream.onFinished(late);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('runs when the stream fails locally (a lost producer)', () => {
    const stream = reader();
    const finished = jest.fn();
    stream.onFinished(finished);
    stream.checkIdle(Date.now() + 5_000);
    expect(finished).toHaveBeenCalledTimes(1);
    expect(stream.isFinished).toBe(true);
  });
});

describe('StreamReader parsing', () => {
  const FastStream = defineStream({ ...TestStream, isFrequentEvent: isTextDeltaEvent });
  const fastReader = () =>
    new StreamReader(
      FastStream,
      'stream-2',
      { idleTimeoutMs: 1_000 },
      { unsubscribe: jest.fn() },
      () => undefined,
    );

  it('takes frequent events as they are and checks the rest against the schema', async () => {
    const r = fastReader();
    r.handleMessage(message({ seq: 0, type: 'delta', text: 'a' }));
    r.handleMessage(message({ seq: 1, type: 'delta', text: 'b', extra: 'dropped by the schema' }));
    r.handleMessage(message({ seq: 2, type: 'done' }));
    const events = [];
    for await (const event of r) events.push(event);
    expect(events).toEqual([
      { seq: 0, type: 'delta', text: 'a' },
      { seq: 1, type: 'delta', text: 'b' },
      { seq: 2, type: 'done' },
    ]);
  });

  it('ends with an error for an event neither check accepts', async () => {
    const r = fastReader();
    r.handleMessage(message({ seq: 0, type: 'delta', text: 7 }));
    const events = [];
    for await (const event of r) events.push(event);
    expect(events).toEqual([{ seq: 0, type: 'error', error: expect.objectContaining({ code: 'INTERNAL' }) }]);
  });
});
