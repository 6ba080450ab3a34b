import { describe, expect, it } from '@jest/globals';
import { readSse } from './sse';

const bytes = (text: string) => new TextEncoder().encode(text);

/** A body that hands out `chunks` one read at a time, then (unless `end` is false) ends. */
function body(chunks: Uint8Array[], { end = true } = {}): ReadableStream<Uint8Array> {
  const queue = [...chunks];
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = queue.shift();
      if (chunk) controller.enqueue(chunk);
      else if (end) controller.close();
      // Otherwise the read stays pending: no more data has arrived yet.
    },
  });
}

async function collect<T>(events: AsyncGenerator<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('readSse', () => {
  it('parses each event of a chunk, with its id, name and JSON data, and skips comments', async () => {
    const events = await collect(
      readSse(
        body([bytes(': keepalive\n\nid: 1\nevent: delta\ndata: {"text":"a"}\n\ndata: {"text":"b"}\n\n')]),
      ),
    );
    expect(events).toEqual([
      { id: '1', event: 'delta', data: { text: 'a' } },
      { id: undefined, event: undefined, data: { text: 'b' } },
    ]);
  });

  it('joins an event split across chunks, and a character split between two of them', async () => {
    const text = bytes('data: {"text":"é"}\n\n');
    const split = text.indexOf(0xc3) + 1; // between the two bytes of "é"
    const events = await collect(readSse(body([text.slice(0, 4), text.slice(4, split), text.slice(split)])));
    expect(events).toEqual([{ id: undefined, event: undefined, data: { text: 'é' } }]);
  });

  it('hands over the events already received without waiting for more of the body', async () => {
    const events = readSse(body([bytes('data: {"seq":0}\n\ndata: {"seq":1}\n\n')], { end: false }));
    expect((await events.next()).value).toMatchObject({ data: { seq: 0 } });
    expect((await events.next()).value).toMatchObject({ data: { seq: 1 } });
    await events.return(undefined);
  });

  it('drops an event the server did not finish when the body ends', async () => {
    const events = await collect(readSse(body([bytes('data: {"seq":0}\n\ndata: {"se')])));
    expect(events).toEqual([{ id: undefined, event: undefined, data: { seq: 0 } }]);
  });
});
