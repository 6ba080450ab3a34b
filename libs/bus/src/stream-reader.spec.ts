import type { Msg, Subscription } from 'nats';
import { z } from 'zod';
import { defineStream, isTextDeltaEvent } from '@conduit/contracts';
import { encodeJson } from './codec';
import { ListeningClock } from './listening-clock';
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

describe('StreamReader idle check', () => {
  const idleTimeoutMs = 1_000;
  const checkEveryMs = 250;

  function watched() {
    let at = 5_000_000;
    const clock = new ListeningClock(checkEveryMs, { toleranceMs: 50, now: () => at });
    clock.start();
    const stream = new StreamReader(
      TestStream,
      'stream-3',
      { idleTimeoutMs, clock },
      { unsubscribe: jest.fn() },
      () => undefined,
    );
    /** One watchdog tick, `ms` after the last. */
    const tickAfter = (ms: number) => {
      at += ms;
      stream.checkIdle(clock.tick());
    };
    return { stream, tickAfter };
  }

  it("does not blame the producer for this process's own stall", () => {
    const { stream, tickAfter } = watched();
    tickAfter(checkEveryMs);
    tickAfter(8_000); // the event loop was stalled; the producer's heartbeats wait unread
    expect(stream.isFinished).toBe(false);
    stream.handleMessage(message({ seq: 0, type: 'delta', text: 'still here' }));
    tickAfter(checkEveryMs);
    expect(stream.isFinished).toBe(false);
  });

  it('waits with the idle check while it is suspended, and counts from markActive on the same clock', () => {
    const { stream, tickAfter } = watched();
    stream.suspendIdleCheck();
    for (let i = 0; i < 20; i += 1) tickAfter(checkEveryMs);
    tickAfter(9_000); // a stall, which the clock leaves out
    stream.markActive();
    tickAfter(checkEveryMs);
    tickAfter(checkEveryMs);
    expect(stream.isFinished).toBe(false);
    for (let i = 0; i < idleTimeoutMs / checkEveryMs; i += 1) tickAfter(checkEveryMs);
    expect(stream.isFinished).toBe(true);
  });

  it('still ends a stream whose producer went silent, stalls or not', async () => {
    const { stream, tickAfter } = watched();
    tickAfter(3_000); // a stall: only the interval and the tolerance count, 300 ms of listening
    tickAfter(checkEveryMs);
    tickAfter(checkEveryMs); // 800 ms heard nothing
    expect(stream.isFinished).toBe(false);
    tickAfter(checkEveryMs); // 1,050 ms
    expect(stream.isFinished).toBe(true);
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events).toEqual([
      { seq: 0, type: 'error', error: expect.objectContaining({ code: 'STREAM_LOST' }) },
    ]);
  });
});
