import { describe, expect, it } from '@jest/globals';
import type { ServerFrame } from './socket';
import { SocketClosedError, SocketStreamError, startSocketStream, type StreamSocket } from './socket-stream';

/** A connection that records what is sent and lets the test deliver frames to the stream's listener. */
function fakeSocket(open = true) {
  const sent: ServerFrame[] = [];
  const listeners = new Map<string, (frame: ServerFrame) => void>();
  const socket: StreamSocket = {
    trySend: (frame) => {
      if (open) sent.push(frame);
      return open;
    },
    listen: (id, listener) => {
      listeners.set(id, listener);
      return () => listeners.delete(id);
    },
  };
  const deliver = (frame: Omit<ServerFrame, 'id'>) =>
    listeners.get(String(sent[0]?.id))?.(frame as ServerFrame);
  return { socket, sent, listeners, deliver };
}

async function collect<T>(events: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe('startSocketStream', () => {
  it('sends the start frame within the call, then yields the events up to the terminal one', async () => {
    const { socket, sent, listeners, deliver } = fakeSocket();
    const started = startSocketStream(socket, 'chat.message', { sessionId: 's', content: 'hi' });
    expect(sent).toEqual([
      {
        type: 'start',
        id: expect.any(String),
        stream: 'chat.message',
        request: { sessionId: 's', content: 'hi' },
      },
    ]);
    deliver({ type: 'chat.started', streamId: 'stream-1', ack: { assistantMessageId: 'm1' } });
    deliver({ type: 'chat.event', event: { seq: 0, type: 'delta', text: 'He' } });
    const stream = await started!;
    expect(stream).toMatchObject({ streamId: 'stream-1', ack: { assistantMessageId: 'm1' } });
    deliver({ type: 'chat.event', event: { seq: 1, type: 'delta', text: 'llo' } });
    deliver({ type: 'chat.event', event: { seq: 2, type: 'done' } });
    expect((await collect(stream.events)).map((event) => event.type)).toEqual(['delta', 'delta', 'done']);
    expect(listeners.size).toBe(0);
  });

  it('sends nothing and returns null when the connection is not open', () => {
    const { socket, sent, listeners } = fakeSocket(false);
    expect(startSocketStream(socket, 'chat.message', {})).toBeNull();
    expect(sent).toEqual([]);
    expect(listeners.size).toBe(0);
  });

  it('rejects with the code and message of an error frame answering the start', async () => {
    const { socket, deliver } = fakeSocket();
    const started = startSocketStream(socket, 'chat.message', {});
    deliver({ type: 'error', error: { code: 'BUDGET_EXCEEDED', message: 'Monthly budget reached' } });
    await expect(started).rejects.toEqual(new SocketStreamError('BUDGET_EXCEEDED', 'Monthly budget reached'));
  });

  it('ends the events with a SocketClosedError naming the stream when the connection drops', async () => {
    const { socket, deliver } = fakeSocket();
    const started = startSocketStream(socket, 'chat.message', {});
    deliver({ type: 'started', streamId: 'stream-2', ack: {} });
    const stream = await started!;
    deliver({ type: 'event', event: { seq: 0, type: 'delta', text: 'a' } });
    deliver({ type: 'closed', code: 4401 });
    const error = await collect(stream.events).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SocketClosedError);
    expect(error).toMatchObject({ code: 4401, streamId: 'stream-2' });
  });

  it('stops listening when the signal aborts, rejecting a start not yet answered', async () => {
    const { socket, listeners } = fakeSocket();
    const abort = new AbortController();
    const started = startSocketStream(socket, 'chat.message', {}, abort.signal);
    abort.abort();
    await expect(started).rejects.toMatchObject({ name: 'AbortError' });
    expect(listeners.size).toBe(0);
  });

  it('detaches the stream at the gateway when the signal aborts mid-answer', async () => {
    const { socket, sent, listeners, deliver } = fakeSocket();
    const abort = new AbortController();
    const started = startSocketStream(socket, 'chat.message', {}, abort.signal);
    deliver({ type: 'chat.started', streamId: 'stream-3', ack: {} });
    const stream = await started!;
    deliver({ type: 'chat.event', event: { seq: 0, type: 'delta', text: 'a' } });
    abort.abort();
    expect(sent.at(-1)).toEqual({ type: 'detach', id: sent[0]!.id });
    await expect(collect(stream.events)).rejects.toMatchObject({ name: 'AbortError' });
    expect(listeners.size).toBe(0);
  });
});
