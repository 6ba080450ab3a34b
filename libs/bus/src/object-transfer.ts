import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { StorageType, type ObjectStore } from 'nats';
import { DomainError, ErrorCode } from '@conduit/contracts';
import type { Bus } from './bus';

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

  /** Stores the bytes under a new name and returns it. */
  async put(data: Uint8Array | ReadableStream<Uint8Array>): Promise<string> {
    const store = await this.open();
    const name = randomUUID().replace(/-/g, '');
    if (data instanceof Uint8Array) await store.putBlob({ name }, data);
    else await store.put({ name }, data);
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
    const store = await this.open();
    const info = await store.info(name);
    if (!info || info.deleted) throw new DomainError(ErrorCode.NotFound, 'No upload with that name');
    if (info.size > maxBytes) {
      throw new DomainError(ErrorCode.PayloadTooLarge, 'The upload is larger than allowed', {
        bytes: info.size,
        maxBytes,
      });
    }
    const data = await store.getBlob(name);
    if (!data) throw new DomainError(ErrorCode.NotFound, 'No upload with that name');
    return data;
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
   * PAYLOAD_TOO_LARGE over `maxBytes`.
   */
  async readStream(name: string, maxBytes: number): Promise<{ bytes: number; stream: Readable }> {
    const store = await this.open();
    const info = await store.info(name);
    if (!info || info.deleted) throw new DomainError(ErrorCode.NotFound, 'No upload with that name');
    if (info.size > maxBytes) {
      throw new DomainError(ErrorCode.PayloadTooLarge, 'The upload is larger than allowed', {
        bytes: info.size,
        maxBytes,
      });
    }
    const result = await store.get(name);
    if (!result) throw new DomainError(ErrorCode.NotFound, 'No upload with that name');
    return { bytes: info.size, stream: Readable.fromWeb(result.data as WebReadableStream<Uint8Array>) };
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
