import type { NatsConnection } from 'nats';
import { CoalescingPublisher } from './coalescing-publisher';

function recordingConnection() {
  // `write` numbers the socket writes the NATS client would make: one per microtask checkpoint.
  const published: { subject: string; text: string; at: number; write: number }[] = [];
  let failing = false;
  let writes = 0;
  let writePending = false;
  const connection = {
    publish: (subject: string, data: Uint8Array) => {
      if (failing) throw new Error('connection closed');
      if (!writePending) {
        writePending = true;
        writes += 1;
        queueMicrotask(() => (writePending = false));
      }
      published.push({ subject, text: Buffer.from(data).toString(), at: performance.now(), write: writes });
    },
  } as unknown as NatsConnection;
  return { connection, published, fail: () => (failing = true) };
}

const bytes = (text: string) => new TextEncoder().encode(text);
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CoalescingPublisher', () => {
  it('holds what is published in one turn and sends all of it, in order, at the end of the turn', async () => {
    const { connection, published } = recordingConnection();
    const publisher = new CoalescingPublisher(connection, jest.fn());
    publisher.publish('a', bytes('1'));
    publisher.publish('b', bytes('2'));
    publisher.publish('a', bytes('3'));
    expect(published).toHaveLength(0);
    await nextTurn();
    expect(published.map((m) => `${m.subject}${m.text}`)).toEqual(['a1', 'b2', 'a3']);
    expect(new Set(published.map((m) => m.write)).size).toBe(1);
  });

  it('paces writes: what follows a write within the interval waits for it, then goes together', async () => {
    // On the fake clock: on the real one, a busy machine could let the interval pass between two turns.
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
    try {
      const { connection, published } = recordingConnection();
      const publisher = new CoalescingPublisher(connection, jest.fn(), 20);
      publisher.publish('s', bytes('1'));
      await jest.advanceTimersByTimeAsync(0);
      publisher.publish('s', bytes('2'));
      await jest.advanceTimersByTimeAsync(19);
      publisher.publish('s', bytes('3'));
      expect(published.map((m) => m.text)).toEqual(['1']);
      await jest.advanceTimersByTimeAsync(1);
      expect(published.map((m) => m.text)).toEqual(['1', '2', '3']);
      expect(published[1]!.at - published[0]!.at).toBe(20);
      expect(published.map((m) => m.write)).toEqual([1, 2, 2]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('sends at once after a quiet spell, and on an explicit flush', async () => {
    const { connection, published } = recordingConnection();
    const publisher = new CoalescingPublisher(connection, jest.fn(), 5);
    publisher.publish('s', bytes('1'));
    await nextTurn();
    await sleep(10); // longer than the interval: a slower machine only makes the spell quieter
    publisher.publish('s', bytes('2'));
    await nextTurn();
    expect(published.map((m) => m.text)).toEqual(['1', '2']);
    publisher.publish('s', bytes('3'));
    publisher.flush();
    expect(published.map((m) => m.text)).toEqual(['1', '2', '3']);
  });

  it('reports a failed publish and goes on with the rest', async () => {
    const { connection, fail } = recordingConnection();
    const onError = jest.fn();
    const publisher = new CoalescingPublisher(connection, onError);
    fail();
    publisher.publish('x', bytes('1'));
    publisher.publish('y', bytes('2'));
    await nextTurn();
    expect(onError.mock.calls.map(([, subject]) => subject)).toEqual(['x', 'y']);
  });
});
