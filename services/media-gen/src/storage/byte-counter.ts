import { Transform } from 'node:stream';

/** A pass-through stream that counts the bytes going through it. */
export class ByteCounter extends Transform {
  bytes = 0;

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: (error?: Error | null, data?: Buffer) => void,
  ) {
    this.bytes += chunk.byteLength;
    done(null, chunk);
  }
}
