import {
  expectedCounts,
  generateAppleHealthExport,
  type GeneratedExportOptions,
} from './apple-health-export.generator';
import { importAppleHealth } from './apple-health-import';
import type { AppleHealthReading } from './apple-health-readings';

const START = Date.UTC(2026, 0, 1);

/** The document as UTF-8 chunks of `size` bytes, cut anywhere (inside tags and multi-byte characters). */
async function* bytesOf(
  pieces: Iterable<string>,
  size: number,
  onChunk?: () => void,
): AsyncGenerator<Uint8Array> {
  let pending = Buffer.alloc(0);
  for (const piece of pieces) {
    pending = Buffer.concat([pending, Buffer.from(piece, 'utf8')]);
    while (pending.length >= size) {
      onChunk?.();
      yield pending.subarray(0, size);
      pending = pending.subarray(size);
    }
  }
  if (pending.length > 0) {
    onChunk?.();
    yield pending;
  }
}

async function collect(options: GeneratedExportOptions, chunkSize = 4096, batchSize = 500) {
  const readings: AppleHealthReading[] = [];
  const rejections: Array<{ item: string; reason: string }> = [];
  const summary = await importAppleHealth({
    chunks: bytesOf(generateAppleHealthExport(options), chunkSize),
    batchSize,
    write: async (batch) => {
      readings.push(...batch);
    },
    reject: (item, reason) => rejections.push({ item, reason }),
  });
  return { readings, rejections, summary };
}

describe('importAppleHealth', () => {
  it('reads every kind of record from a generated export, cut into odd chunks', async () => {
    const options = { startMs: START, days: 6, heartRatePerDay: 24 };
    const { readings, summary } = await collect(options, 333, 50);
    const counts = expectedCounts(options);
    const workouts = 3;
    expect(summary).toEqual({
      accepted: counts.heartRate + options.days * counts.perDayOther + workouts,
      rejected: 0,
      skipped: 0,
    });
    const byQuantity = (name: string) => readings.filter((r) => r.kind === 'quantity' && r.metric === name);
    expect(byQuantity('heart_rate')).toHaveLength(144);
    expect(byQuantity('vo2max')).toHaveLength(6);
    // `mL/min·kg` arrives with its middle dot split across chunks somewhere and is still understood.
    expect(byQuantity('weight')[0]).toMatchObject({ value: expect.closeTo(68, -1) });
    expect(
      readings.filter((r) => r.kind === 'sleep').map((r) => (r.kind === 'sleep' ? r.stage : '')),
    ).toEqual(Array.from({ length: 6 }, () => ['in_bed', 'core', 'deep', 'rem']).flat());
    expect(readings.filter((r) => r.kind === 'workout')).toHaveLength(workouts);
  });

  it('counts broken records with their reasons and imports the rest', async () => {
    const options = { startMs: START, days: 3, heartRatePerDay: 100, brokenEvery: 7 };
    const { readings, rejections, summary } = await collect(options);
    const counts = expectedCounts(options);
    expect(summary.rejected).toBe(counts.broken);
    expect(rejections).toHaveLength(counts.broken);
    expect(new Set(rejections.map((r) => r.reason))).toEqual(
      new Set(['HKQuantityTypeIdentifierHeartRate: value is not a number']),
    );
    // Each names its line in export.xml: every 7th heart-rate record, one record a line.
    const lines = rejections.slice(0, 5).map((r) => Number(/^line (\d+)$/.exec(r.item)?.[1]));
    expect(lines.slice(1).map((line, i) => line - lines[i]!)).toEqual([7, 7, 7, 7]);
    expect(readings.filter((r) => r.kind === 'quantity' && r.metric === 'heart_rate')).toHaveLength(
      counts.heartRate,
    );
  });

  it('goes on past XML that is not well-formed in the middle of the document', async () => {
    const pieces = [
      '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n',
      ' <Record type="HKQuantityTypeIdentifierStepCount" unit="count" value="10" startDate="2026-01-01 10:00:00 +0000" endDate="2026-01-01 10:01:00 +0000"/>\n',
      ' <Record type="HKQuantityTypeIdentifierStepCount" unit="count" value="11" startDate="2026-01-01 10:01:00 +0000" endDate="2026-01-01 10:02:00 +0000" value="12"/>\n',
      ' <Record type="HKQuantityTypeIdentifierStepCount" unit="count" value="&nbsp;" startDate="2026-01-01 10:02:00 +0000" endDate="2026-01-01 10:03:00 +0000"/>\n',
      ' </Foo>\n <Record type="HKQuantityTypeIdentifierStepCount" unit="count" value="a <b" startDate="2026-01-01 10:02:30 +0000"/>\n',
      ' <Record type="HKQuantityTypeIdentifierStepCount" unit="count" value="13" startDate="2026-01-01 10:03:00 +0000" endDate="2026-01-01 10:04:00 +0000"/>\n',
      '</HealthData>\n',
    ];
    const values: number[] = [];
    const rejections: Array<{ item: string; reason: string }> = [];
    await importAppleHealth({
      chunks: bytesOf(pieces, 64),
      batchSize: 10,
      write: async (batch) => {
        values.push(...batch.map((r) => (r.kind === 'quantity' ? r.value : NaN)));
      },
      reject: (item, reason) => rejections.push({ item, reason }),
    });
    expect(values).toEqual([10, 12, 13]);
    const reasons = rejections.map((r) => r.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'malformed XML: duplicate attribute: value.',
        'malformed XML: undefined entity.',
        'malformed XML: unmatched closing tag: Foo.',
        'HKQuantityTypeIdentifierStepCount: value is not a number',
      ]),
    );
  });

  it('reads the next batch while one is written, one write at a time, in order', async () => {
    const options = { startMs: START, days: 20, heartRatePerDay: 1_440 };
    let chunksRead = 0;
    let writesOpen = 0;
    let mostWritesOpen = 0;
    const chunksReadDuringWrite: number[] = [];
    const written: AppleHealthReading[] = [];
    const summary = await importAppleHealth({
      chunks: bytesOf(generateAppleHealthExport(options), 16_384, () => (chunksRead += 1)),
      batchSize: 1_000,
      write: async (batch) => {
        writesOpen += 1;
        mostWritesOpen = Math.max(mostWritesOpen, writesOpen);
        const before = chunksRead;
        // The write is slow: it finishes only once everything queued before it has run.
        for (let turn = 0; turn < 20; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
        chunksReadDuringWrite.push(chunksRead - before);
        written.push(...batch);
        writesOpen -= 1;
      },
      reject: () => undefined,
    });
    const total = options.days * (1_440 + expectedCounts(options).perDayOther) + 10;
    expect(summary.accepted).toBe(total);
    expect(mostWritesOpen).toBe(1);
    // Read on while a batch is written, but never more than the next batch's worth of chunks.
    const bytes = [...generateAppleHealthExport(options)].reduce((n, p) => n + Buffer.byteLength(p), 0);
    const chunksPerBatch = Math.ceil(((bytes / total) * 1_000) / 16_384);
    expect(Math.max(...chunksReadDuringWrite)).toBeGreaterThan(0);
    expect(Math.max(...chunksReadDuringWrite)).toBeLessThanOrEqual(chunksPerBatch + 2);
    const starts = written.map((r) => r.startMs);
    expect(written).toHaveLength(total);
    expect(starts.filter((ms, i) => i > 0 && ms < starts[i - 1]! - 86_400_000)).toEqual([]);
  });

  it('ends with the failing write when the store refuses a batch, writing no batch after it', async () => {
    let writes = 0;
    await expect(
      importAppleHealth({
        chunks: bytesOf(generateAppleHealthExport({ startMs: START, days: 1, heartRatePerDay: 10 }), 1024),
        batchSize: 5,
        write: async () => {
          writes += 1;
          throw new Error('database is down');
        },
        reject: () => undefined,
      }),
    ).rejects.toThrow('database is down');
    expect(writes).toBe(1);
  });
});
