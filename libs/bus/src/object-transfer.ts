import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { StorageType, type ObjectInfo, type ObjectStore } from 'nats';
import { DomainError, ErrorCode } from '@conduit/contracts';
import type { Bus } from './bus';
import { ObjectChunkStream } from './object-chunk-stream';
import { putObjectChunks } from './object-chunk-writer';

/**
 * Payloads too large for one bus message (NATS' max_payload, 1 MB by default), handed from one service to
 * another through a JetStream Object Store bucket, which splits them into chunks: the sender puts the
 * bytes and sends the object's name in its request; the receiver takes them (reads and deletes). Objects
 * nobody takes (the sender died before its request) expire after `ttlMs`.
 */
export class ObjectTransfer {
  private store: Promise<ObjectStore> | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly bucket: string,
    private readonly ttlMs = 3_600_000,
  ) {}

  /**
   * Stores the bytes under a new name and returns it. A stream is read no faster than JetStream takes
   * its chunks (see {@link putObjectChunks}).
   */
  async put(data: Uint8Array | ReadableStream<Uint8Array>): Promise<string> {
    await this.open();
    const name = randomUUID().replace(/-/g, '');
    const connection = this.bus.connection;
    await putObjectChunks(
      {
        js: connection.jetstream(),
        jsm: await connection.jetstreamManager({ checkAPI: false }),
        bucket: this.bus.streamName(this.bucket),
        maxPayload: connection.info?.max_payload ?? 1024 * 1024,
      },
      name,
      data instanceof Uint8Array ? [data] : Readable.fromWeb(data as WebReadableStream<Uint8Array>),
    );
    return name;
  }

  /** Reads an object and deletes it; NOT_FOUND when there is none, PAYLOAD_TOO_LARGE over `maxBytes`. */
  async take(name: string, maxBytes: number): Promise<Uint8Array> {
    try {
      return await this.read(name, maxBytes);
    } finally {
      await this.delete(name);
    }
  }

  /**
   * Reads an object and leaves it in place, for a receiver that deletes it only once it is done with it
   * (work that must survive a crash); NOT_FOUND when there is none, PAYLOAD_TOO_LARGE over `maxBytes`.
   */
  async read(name: string, maxBytes: number): Promise<Uint8Array> {
    const { stream } = await this.readStream(name, maxBytes);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * Reads an object as a stream, for payloads that must never be whole in memory; the object is deleted
   * once the stream closes (read to its end, failed or destroyed). NOT_FOUND when there is none,
   * PAYLOAD_TOO_LARGE over `maxBytes` (deleted then too).
   */
  async takeStream(name: string, maxBytes: number): Promise<{ bytes: number; stream: Readable }> {
    let taken: { bytes: number; stream: Readable };
    try {
      taken = await this.readStream(name, maxBytes);
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.PayloadTooLarge) await this.delete(name);
      throw error;
    }
    taken.stream.once('close', () => void this.delete(name));
    return taken;
  }

  /**
   * Reads an object as a stream and leaves it in place (see {@link read}); NOT_FOUND when there is none,
   * PAYLOAD_TOO_LARGE over `maxBytes`. The stream holds back when its reader does: at most a couple of
   * MB of the object are in memory however slowly it is read (see {@link ObjectChunkStream}), and it
   * fails, rather than ends, when the bytes do not match the object's digest.
   */
  async readStream(name: string, maxBytes: number): Promise<{ bytes: number; stream: ObjectChunkStream }> {
    const info = await this.existingInfo(name);
    if (info.size > maxBytes) {
      throw new DomainError(ErrorCode.PayloadTooLarge, 'The upload is larger than allowed', {
        bytes: info.size,
        maxBytes,
      });
    }
    const stream = new ObjectChunkStream(
      this.bus.connection.jetstream(),
      `OBJ_${this.bus.streamName(this.bucket)}`,
      info,
    );
    return { bytes: info.size, stream };
  }

  private async existingInfo(name: string): Promise<ObjectInfo> {
    const store = await this.open();
    const info = await store.info(name);
    if (!info || info.deleted) throw new DomainError(ErrorCode.NotFound, 'No upload with that name');
    // Links are never made here; one would have no chunks of its own to read.
    if (info.options?.link) throw new DomainError(ErrorCode.Internal, 'The upload is a link');
    return info;
  }

  async delete(name: string): Promise<void> {
    const store = await this.open();
    await store.delete(name).catch(() => undefined);
  }

  private open(): Promise<ObjectStore> {
    this.store ??= this.bus.connection
      .jetstream()
      .views.os(this.bus.streamName(this.bucket), { storage: StorageType.File, ttl: this.ttlMs * 1e6 })
      .catch((error: unknown) => {
        this.store = null;
        throw error;
      });
    return this.store;
  }
}
