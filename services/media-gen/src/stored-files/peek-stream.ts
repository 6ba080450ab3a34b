import { Readable } from 'node:stream';

export interface PeekedStream {
  /** Up to the first `bytes` bytes (fewer when the stream is shorter). */
  head: Buffer;
  /** The whole stream again, `head` included. */
  whole: Readable;
}

/** Reads the start of a stream to look at it, then hands the stream back whole, without buffering more. */
export async function peekStream(source: Readable, bytes: number): Promise<PeekedStream> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.byteLength;
  }
  const start = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (start.byteLength > 0) yield start;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return {
    head: start.subarray(0, bytes),
    whole: Readable.from(replay(), { objectMode: false }),
  };
}
