import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineEvent, DomainError, ErrorCode } from '@conduit/contracts';
import { isolatedNamespace, testEnv, waitFor } from '@conduit/testing';
import {
  Bus,
  consumeDurableEventBatches,
  OBJECT_CHUNKS_PER_PULL,
  ObjectChunkStream,
  ObjectTransfer,
  type DurableDelivery,
} from '../src';

const Work = defineEvent({
  subject: 'test.work.accepted',
  payload: z.strictObject({ n: z.number().int() }),
  durable: { stream: 'TEST_WORK' },
});
type Delivery = DurableDelivery<typeof Work>;

describe('durable work and large payloads over a real NATS server', () => {
  let bus: Bus;

  beforeAll(async () => {
    bus = await Bus.connect({
      url: testEnv().natsUrl,
      name: 'durable-work-test',
      subjectPrefix: isolatedNamespace('durablework').subjectPrefix,
      logger: { warn: () => undefined, error: () => undefined },
    });
    await bus.ensureEventStreams([Work]);
  });
  afterAll(async () => {
    await bus?.close();
  });

  const publish = (n: number) => bus.publish(Work, { n }, { userId: 'u' });

  it('hands events over in batches, redelivers what is left unsettled, and counts the attempts', async () => {
    const seen: { n: number; attempt: number }[] = [];
    const batchSizes: number[] = [];
    const consumption = await consumeDurableEventBatches(
      bus,
      Work,
      'batches',
      async (batch: Delivery[]) => {
        batchSizes.push(batch.length);
        for (const delivery of batch) {
          seen.push({ n: delivery.payload.n, attempt: delivery.attempt });
          // Event 3 fails twice (left unsettled, then retried), then goes through.
          if (delivery.payload.n === 3 && delivery.attempt < 3) {
            if (delivery.attempt === 1) continue;
            delivery.retry();
            continue;
          }
          await delivery.ack();
        }
      },
      { maxBatch: 10, lingerMs: 200, ackWaitMs: 5_000, retryDelayMs: () => 50 },
    );
    try {
      await Promise.all([1, 2, 3, 4, 5].map(publish));
      await waitFor(() => seen.some((s) => s.n === 3 && s.attempt === 3), 'event 3 delivered a third time');
      expect(
        seen
          .filter((s) => s.n !== 3)
          .map((s) => s.n)
          .sort(),
      ).toEqual([1, 2, 4, 5]);
      expect(seen.filter((s) => s.n === 3).map((s) => s.attempt)).toEqual([1, 2, 3]);
      expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    } finally {
      await consumption.stop();
    }
  });

  it('gives back what it fetched ahead when stopped, for the next consumer to take at once', async () => {
    const first: number[] = [];
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const slow = await consumeDurableEventBatches(
      bus,
      Work,
      'handover',
      async (batch: Delivery[]) => {
        first.push(...batch.map((d) => d.payload.n));
        await blocked;
        for (const delivery of batch) await delivery.ack();
      },
      { maxBatch: 1, lingerMs: 0, ackWaitMs: 60_000, retryDelayMs: () => 50 },
    );
    await Promise.all([10, 11, 12].map(publish));
    await waitFor(() => first.length === 1, 'the first event in hand');
    const stopping = slow.stop();
    release();
    await stopping;
    const second: number[] = [];
    const next = await consumeDurableEventBatches(
      bus,
      Work,
      'handover',
      async (batch: Delivery[]) => {
        for (const delivery of batch) {
          second.push(delivery.payload.n);
          await delivery.ack();
        }
      },
      { maxBatch: 10, lingerMs: 0, ackWaitMs: 60_000, retryDelayMs: () => 50 },
    );
    try {
      // Earlier tests' events are in the stream too (the consumer starts from the beginning).
      await waitFor(
        () => [10, 11, 12].every((n) => [...first, ...second].includes(n)),
        'all three handled',
        10_000,
      );
      expect(second).not.toContain(first[0]);
    } finally {
      await next.stop();
    }
  });

  it('carries payloads larger than a bus message through the object store, once', async () => {
    const transfer = new ObjectTransfer(bus, 'TEST_UPLOADS');
    const big = randomBytes(3 * 1024 * 1024);
    const name = await transfer.put(big);
    expect(Buffer.from(await transfer.take(name, big.length)).equals(big)).toBe(true);
    await expect(transfer.take(name, big.length)).rejects.toMatchObject({ code: ErrorCode.NotFound });

    const streamed = await transfer.put(new Blob([big]).stream());
    await expect(transfer.take(streamed, 1024)).rejects.toBeInstanceOf(DomainError);
    await expect(transfer.take(streamed, big.length)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('streams an object no faster than it is read, and checks its digest', async () => {
    const transfer = new ObjectTransfer(bus, 'TEST_UPLOADS');
    // 10 MB: 80 chunks of nats.js's 128 KiB, five pulls of OBJECT_CHUNKS_PER_PULL.
    const big = randomBytes(10 * 1024 * 1024);
    const name = await transfer.put(big);
    const { bytes, stream } = await transfer.readStream(name, big.length);
    expect(bytes).toBe(big.length);
    const total = Math.ceil(big.length / (128 * 1024));

    // Nobody reads: the stream fills its buffer with one pull and asks for no more.
    const idle = () => undefined;
    stream.on('readable', idle);
    await waitFor(() => stream.chunksReceived > 0, 'the first pull', 10_000);
    await bus.connection.flush();
    expect(stream.chunksReceived).toBeLessThanOrEqual(OBJECT_CHUNKS_PER_PULL);
    expect(stream.chunksReceived).toBeLessThan(total);
    stream.off('readable', idle);

    const received: Buffer[] = [];
    for await (const chunk of stream) received.push(chunk as Buffer);
    expect(stream.chunksReceived).toBe(total);
    expect(Buffer.concat(received).equals(big)).toBe(true);
    expect(Buffer.from(await transfer.read(name, big.length)).equals(big)).toBe(true);
    await transfer.delete(name);
  });

  it("writes objects in the store's own format: nats.js reads ours and we read nats.js's", async () => {
    const transfer = new ObjectTransfer(bus, 'TEST_UPLOADS');
    const store = await bus.connection.jetstream().views.os(bus.streamName('TEST_UPLOADS'));
    for (const size of [0, 1, 128 * 1024, 1_000_003]) {
      const data = randomBytes(size);
      const ours = await transfer.put(new Blob([data]).stream());
      const info = await store.info(ours);
      expect(info).toMatchObject({ size, chunks: Math.ceil(size / (128 * 1024)), deleted: false });
      expect(info!.digest).toBe(`SHA-256=${createHash('sha256').update(data).digest('base64url')}=`);
      expect(Buffer.from((await store.getBlob(ours))!).equals(data)).toBe(true);

      const theirs = `theirs-${size}`;
      await store.putBlob({ name: theirs }, data);
      expect(Buffer.from(await transfer.read(theirs, size)).equals(data)).toBe(true);
      await transfer.delete(ours);
      await transfer.delete(theirs);
    }
  });

  it('fails a stream whose bytes do not match the digest the writer recorded', async () => {
    const transfer = new ObjectTransfer(bus, 'TEST_UPLOADS');
    const data = randomBytes(300 * 1024);
    const name = await transfer.put(data);
    const { stream } = await transfer.readStream(name, data.length);
    const js = bus.connection.jetstream();
    const info = (await (await js.views.os(bus.streamName('TEST_UPLOADS'))).info(name))!;
    const tampered = new ObjectChunkStream(js, `OBJ_${bus.streamName('TEST_UPLOADS')}`, {
      name,
      bucket: info.bucket,
      nuid: info.nuid,
      size: info.size,
      chunks: info.chunks,
      mtime: info.mtime,
      revision: info.revision,
      deleted: false,
      digest: `SHA-256=${createHash('sha256').update('something else').digest('base64url')}=`,
    });
    await expect(consume(tampered)).rejects.toThrow(/digest does not match/);
    await expect(consume(stream)).resolves.toBe(data.length);
    await transfer.delete(name);
  });
});

async function consume(stream: NodeJS.ReadableStream): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}
