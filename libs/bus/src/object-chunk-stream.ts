import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Consumer, JetStreamClient, ObjectInfo } from 'nats';

/** Chunks pulled at a time: 2 MB at nats.js's default chunk size of 128 KiB. */
export const OBJECT_CHUNKS_PER_PULL = 16;
/** Pulls in a row that bring nothing before the object counts as gone (its chunks purged mid-read). */
const EMPTY_PULLS_BEFORE_GONE = 2;
const PULL_EXPIRES_MS = 10_000;

/**
 * An object of a JetStream Object Store bucket as a byte stream that holds back when its reader does.
 * nats.js's `ObjectStore.get` pushes every chunk into its stream as fast as the server sends them (a
 * reader slower than JetStream ends up holding the rest of the object in memory) and checks the digest
 * with a SHA-256 written in JavaScript (a sixth of the CPU of an import that reads a large upload). Here
 * the object's chunk messages (`$O.<bucket>.C.<nuid>`, the store's wire format) are pulled through an
 * ordered pull consumer a few at a time, the next pull made only when the stream's buffer wants more,
 * and the digest is checked with node:crypto as they pass; a digest or size that does not match the
 * object's info fails the stream instead of ending it.
 */
export class ObjectChunkStream extends Readable {
  /** Chunk messages received so far (at most the ones read plus one pull ahead). */
  chunksReceived = 0;
  private readonly hash = createHash('sha256');
  private readonly expectedDigest: Buffer;
  private bytesReceived = 0;
  private consumer: Consumer | null = null;
  private pulling = false;
  private wanted = false;
  private emptyPulls = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly streamName: string,
    private readonly info: ObjectInfo,
    private readonly chunksPerPull = OBJECT_CHUNKS_PER_PULL,
  ) {
    super();
    this.expectedDigest = parseObjectDigest(info.digest);
  }

  override _read(): void {
    this.wanted = true;
    void this.pull();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const consumer = this.consumer;
    this.consumer = null;
    if (!consumer) return callback(error);
    consumer
      .delete()
      .catch(() => undefined)
      .finally(() => callback(error));
  }

  /** One pull at a time; `wanted` says whether the buffer asked for more since the last push. */
  private async pull(): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      while (this.wanted && !this.destroyed) {
        const remaining = this.info.chunks - this.chunksReceived;
        if (remaining <= 0) return this.finish();
        this.consumer ??= await this.js.consumers.get(this.streamName, {
          filterSubjects: `$O.${this.info.bucket}.C.${this.info.nuid}`,
        });
        const messages = await this.consumer.fetch({
          max_messages: Math.min(this.chunksPerPull, remaining),
          expires: PULL_EXPIRES_MS,
        });
        let received = 0;
        for await (const message of messages) {
          if (this.destroyed) break;
          received += 1;
          this.chunksReceived += 1;
          this.bytesReceived += message.data.length;
          this.hash.update(message.data);
          this.wanted = this.push(message.data);
        }
        // A pull ended early by an ordered-consumer reset brings fewer (or none); one that brings none twice
        // in a row while chunks are missing means they are gone.
        this.emptyPulls = received === 0 ? this.emptyPulls + 1 : 0;
        if (this.emptyPulls >= EMPTY_PULLS_BEFORE_GONE)
          throw new Error(`the object ended after ${this.chunksReceived} of its ${this.info.chunks} chunks`);
        if (received === 0) this.wanted = true;
      }
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.pulling = false;
    }
  }

  private finish(): void {
    if (this.bytesReceived !== this.info.size) {
      this.destroy(
        new Error(`received a corrupt object: ${this.bytesReceived} bytes, ${this.info.size} expected`),
      );
      return;
    }
    if (!this.hash.digest().equals(this.expectedDigest)) {
      this.destroy(new Error('received a corrupt object: its SHA-256 digest does not match'));
      return;
    }
    this.push(null);
  }
}

/**
 * The digest an object's info records: `SHA-256=` and the bytes in base64url (padded or not, as
 * nats.js writes them), plain base64, or hex (as some older clients wrote them).
 */
export function parseObjectDigest(digest: string): Buffer {
  const prefix = 'SHA-256=';
  if (!digest.startsWith(prefix)) throw new Error(`unknown digest type: ${digest.slice(0, 20)}`);
  const text = digest.slice(prefix.length);
  // Node's base64 decoder reads the URL-safe alphabet too.
  const bytes = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.length !== 32) throw new Error(`unable to parse digest: ${digest.slice(0, 60)}`);
  return bytes;
}
