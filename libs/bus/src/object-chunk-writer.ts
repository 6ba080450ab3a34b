import { createHash } from 'node:crypto';
import { headers, nuid, type JetStreamClient, type JetStreamManager, type PubAck } from 'nats';

/** nats.js's chunk size, so objects look alike whichever client wrote them. */
const CHUNK_BYTES = 128 * 1024;
/** Chunks published and not yet acknowledged: 2 MB at most in flight. */
const CHUNKS_IN_FLIGHT = 16;

export interface ObjectChunkTarget {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** The bucket's name (its stream is `OBJ_<bucket>`). */
  bucket: string;
  /** The largest message the server takes (its `max_payload`). */
  maxPayload: number;
}

/**
 * Writes an object into a JetStream Object Store bucket in the store's wire format (chunk messages on
 * `$O.<bucket>.C.<nuid>`, then the object's info on `$O.<bucket>.M.<name in base64url>` rolling up the
 * earlier one), as nats.js's `ObjectStore.put` does and readable by it, with two differences: the
 * SHA-256 digest is computed with node:crypto (nats.js's JavaScript SHA-256 runs at a few tens of MB/s,
 * seconds for an upload of 100 MB), and at most {@link CHUNKS_IN_FLIGHT} chunks await their
 * acknowledgement, so a sender faster than JetStream waits instead of queueing the whole object. Chunks
 * of a write that fails are purged. Names are ASCII (the store's own rule for meta subjects here).
 */
export async function putObjectChunks(
  target: ObjectChunkTarget,
  name: string,
  data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<void> {
  const chunkBytes = Math.min(CHUNK_BYTES, target.maxPayload);
  const id = nuid.next();
  const chunkSubject = `$O.${target.bucket}.C.${id}`;
  const hash = createHash('sha256');
  const inFlight: Promise<PubAck>[] = [];
  let size = 0;
  let chunks = 0;
  const publish = async (chunk: Uint8Array) => {
    hash.update(chunk);
    size += chunk.length;
    chunks += 1;
    inFlight.push(target.js.publish(chunkSubject, chunk));
    if (inFlight.length >= CHUNKS_IN_FLIGHT) await inFlight.shift();
  };
  try {
    let pending = Buffer.alloc(chunkBytes);
    let filled = 0;
    for await (const piece of data) {
      let at = 0;
      while (at < piece.length) {
        const taken = Math.min(chunkBytes - filled, piece.length - at);
        pending.set(piece.subarray(at, at + taken), filled);
        filled += taken;
        at += taken;
        if (filled === chunkBytes) {
          await publish(pending);
          pending = Buffer.alloc(chunkBytes);
          filled = 0;
        }
      }
    }
    if (filled > 0) await publish(pending.subarray(0, filled));
    await Promise.all(inFlight.splice(0));
    const info = {
      name,
      description: '',
      options: { max_chunk_size: chunkBytes },
      bucket: target.bucket,
      nuid: id,
      size,
      chunks,
      mtime: new Date().toISOString(),
      digest: `SHA-256=${hash.digest('base64url')}=`,
      deleted: false,
    };
    const rollup = headers();
    rollup.set('Nats-Rollup', 'sub');
    await target.js.publish(metaSubject(target.bucket, name), JSON.stringify(info), { headers: rollup });
  } catch (error) {
    await Promise.allSettled(inFlight);
    await target.jsm.streams.purge(`OBJ_${target.bucket}`, { filter: chunkSubject }).catch(() => undefined);
    throw error;
  }
}

/** nats.js names an object's info subject by the name in padded base64url. */
function metaSubject(bucket: string, name: string): string {
  const encoded = Buffer.from(name, 'latin1').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  return `$O.${bucket}.M.${encoded}`;
}
